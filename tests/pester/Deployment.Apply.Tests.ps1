#Requires -Version 7.4
# What a person types to apply manifests with Deploy-KubernetesManifest, against the Kubernetes
# sandbox started as a process (tests/services Start-TestSandbox): a deploy, an idempotent rerun,
# -WhatIf changing nothing, a conflict and -Force, and the error ids of bad input.

BeforeAll {
    $modulePath = $env:OPS_TEST_MODULE_PATH
    if (-not $modulePath) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    Import-Module $modulePath -Force
    Import-Module (Join-Path $PSScriptRoot '..' 'services' 'TestServices.psm1') -Force
    $script:Sandbox = Start-TestSandbox -Argument '--pod-start-seconds', '0'
    $script:Kubeconfig = $Sandbox.Kubeconfig
    $script:Command = 'OpsAutomation.Commands.DeployKubernetesManifestCommand'
    $env:OPS_STATE_PATH = Join-Path $TestDrive 'state'

    # A sample service: its namespace, settings and Deployment, the image given at deploy time.
    function New-Manifests([string] $Namespace) {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive $Namespace) -Force
        Set-Content (Join-Path $folder 'app.yaml') @"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: $Namespace
  labels: {app: web, version: "`${VERSION}"}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: placeholder
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: $Namespace
data:
  greeting: hello `$`${NAME}
"@
        Set-Content (Join-Path $folder 'namespace.json') "{ `"apiVersion`": `"v1`", `"kind`": `"Namespace`", `"metadata`": { `"name`": `"$Namespace`" } }"
        $folder.FullName
    }
}

AfterAll {
    Remove-Item env:OPS_STATE_PATH -ErrorAction Ignore
    if ($Sandbox) { Stop-TestSandbox $Sandbox }
}

Describe 'Deploy-KubernetesManifest' {
    BeforeAll {
        $script:Folder = New-Manifests 'shop'
        $script:Deploy = @{ Kubeconfig = $Kubeconfig; Variable = @{ VERSION = '1.4.2' }; Image = @{ web = 'registry.local/shop/web:1.4.2' } }
    }

    It 'applies a folder in dependency order and says Created' {
        $results = Deploy-KubernetesManifest $Folder @Deploy

        $results | Should -BeOfType ([OpsAutomation.Models.Deployment.ManifestApplyResult])
        $results.Kind | Should -Be 'Namespace', 'ConfigMap', 'Deployment'
        $results.Outcome | Should -Be 'Created', 'Created', 'Created'
        ($results | Where-Object Kind -eq ConfigMap).Source | Should -BeLike '*app.yaml:19'
        ($results | Format-Table | Out-String -Width 120) | Should -Match 'Deployment\s+shop\s+web\s+Created\s+1\s+app.yaml:1'
    }

    It 'says Unchanged when run again, and makes no new revision' {
        $output = Get-ChildItem $Folder | Deploy-KubernetesManifest @Deploy -Verbose 4>&1
        $results = $output | Where-Object { $_ -is [OpsAutomation.Models.Deployment.ManifestApplyResult] }

        $results.Outcome | Should -Be 'Unchanged', 'Unchanged', 'Unchanged'
        ($results | Where-Object Kind -eq Deployment).Generation | Should -Be 1
        ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain "Deployment shop/web ($(Join-Path $Folder 'app.yaml'):1): Unchanged, generation 1, resourceVersion $(($results | Where-Object Kind -eq Deployment).ResourceVersion)"
        Get-Content (Join-Path $env:OPS_STATE_PATH 'logs' 'opsautomation-*.json') | Should -Match '"event.action":\s*"kubernetes-apply"'
    }

    It 'previews a new image with -WhatIf as a dry run with a diff, and changes nothing' {
        $whatIf = Deploy-KubernetesManifest $Folder @Deploy -Image @{ web = 'registry.local/shop/web:1.5.0' } -WhatIf

        $deployment = $whatIf | Where-Object Kind -eq Deployment
        $deployment.DryRun | Should -BeTrue
        $deployment.Outcome | Should -Be 'Configured'
        $deployment.Diff | Should -Match '(?m)^-\s+- image: registry.local/shop/web:1.4.2$'
        $deployment.Diff | Should -Match '(?m)^\+\s+- image: registry.local/shop/web:1.5.0$'
        (Deploy-KubernetesManifest $Folder @Deploy | Where-Object Kind -eq Deployment).Outcome | Should -Be 'Unchanged'
    }

    It 'stops at a field another manager owns with KubernetesApplyConflict, and -Force takes it' {
        & kubectl --kubeconfig $Kubeconfig -n shop scale deployment web --replicas=5 | Out-Null
        $LASTEXITCODE | Should -Be 0

        { Deploy-KubernetesManifest $Folder @Deploy } | Should -Throw -ErrorId "KubernetesApplyConflict,$Command" -ExpectedMessage '*.spec.replicas owned by "kubectl*'
        $forced = Deploy-KubernetesManifest $Folder @Deploy -Force
        ($forced | Where-Object Kind -eq Deployment).Outcome | Should -Be 'Configured'
    }

    It 'names an undefined variable with its file and line' {
        { Deploy-KubernetesManifest $Folder -Kubeconfig $Kubeconfig } | Should -Throw -ErrorId "ManifestVariableUndefined,$Command" -ExpectedMessage '*app.yaml:6: the variable VERSION is not defined*'
    }

    It 'names a container that no template has' {
        { Deploy-KubernetesManifest $Folder @Deploy -Image @{ wbe = 'registry.local/x:1' } } | Should -Throw -ErrorId "ManifestContainerNotFound,$Command" -ExpectedMessage '*wbe*'
    }

    It 'names an unknown kind with its file and line' {
        $file = Join-Path $TestDrive 'typo.yaml'
        Set-Content $file "apiVersion: apps/v1`nkind: Deploymnet`nmetadata:`n  name: web`n"
        { Deploy-KubernetesManifest $file -Kubeconfig $Kubeconfig } | Should -Throw -ErrorId "KubernetesKindUnknown,$Command" -ExpectedMessage '*typo.yaml:1: unknown kind Deploymnet*'
    }

    It 'names a missing namespace before applying anything' {
        $file = Join-Path $TestDrive 'elsewhere.yaml'
        Set-Content $file "apiVersion: v1`nkind: ConfigMap`nmetadata:`n  name: c`n"
        { Deploy-KubernetesManifest $file -Kubeconfig $Kubeconfig -Namespace nowhere } | Should -Throw -ErrorId "KubernetesNamespaceNotFound,$Command" -ExpectedMessage '*namespace nowhere does not exist*Nothing was applied*'
    }

    It 'is KubernetesForbidden with the read-only credentials' {
        { Deploy-KubernetesManifest $Folder @Deploy -Context sandbox-readonly } | Should -Throw -ErrorId "KubernetesForbidden,$Command"
    }

    It 'names a file that is not valid YAML with its line' {
        $file = Join-Path $TestDrive 'broken.yaml'
        Set-Content $file "apiVersion: v1`nkind: ConfigMap`nmetadata:`n  name: [x`n"
        { Deploy-KubernetesManifest $file -Kubeconfig $Kubeconfig } | Should -Throw -ErrorId "ManifestInvalid,$Command" -ExpectedMessage '*broken.yaml:*not valid YAML*'
    }
}
