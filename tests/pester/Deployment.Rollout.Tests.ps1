#Requires -Version 7.4
# Wait-DeploymentRollout, Undo-Deployment and Get-DeploymentHistory as a person types them, against the
# Kubernetes sandbox (started here, its clock 30 times real time) with manifests applied by kubectl.

BeforeAll {
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '..' 'services' 'TestServices.psm1') -Force
    $script:Sandbox = Start-TestSandbox -Speed 30
    $script:Kubeconfig = $Sandbox.Kubeconfig
    $script:StatePath = Join-Path $TestDrive 'state'
    # Undo-Deployment records each undo: in this test's state directory, not the user's.
    $script:SavedStatePath = $env:OPS_STATE_PATH
    $env:OPS_STATE_PATH = $StatePath

    # A Deployment of the sandbox's sample application; $Env sets its behaviour (docs/sandbox.md).
    function script:Set-Web([string] $Namespace, [string] $Image, [hashtable] $Env = @{}) {
        $envYaml = ($Env.GetEnumerator() | ForEach-Object { "            - name: $($_.Key)`n              value: `"$($_.Value)`"" }) -join "`n"
        $manifest = @"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: $Namespace
  annotations:
    kubernetes.io/change-cause: deploy $Image
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: app
          image: $Image
          readinessProbe:
            httpGet: { path: /readyz, port: 8080 }
            periodSeconds: 1
          env:
$(if ($envYaml) { $envYaml } else { '            []' })
"@
        $manifest | kubectl --kubeconfig $Kubeconfig apply -f - | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "kubectl apply failed with $LASTEXITCODE" }
    }

    function script:New-Namespace([string] $Name) {
        kubectl --kubeconfig $Kubeconfig create namespace $Name | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "kubectl create namespace failed with $LASTEXITCODE" }
        $Name
    }

    function script:Get-Image([string] $Namespace) {
        kubectl --kubeconfig $Kubeconfig get deployment web -n $Namespace -o 'jsonpath={.spec.template.spec.containers[0].image}'
    }
}

AfterAll {
    if ($Sandbox) { Stop-TestSandbox $Sandbox }
    $env:OPS_STATE_PATH = $SavedStatePath
}

Describe 'Wait-DeploymentRollout' {
    It 'returns the completed rollout with kubectl''s words' {
        $ns = New-Namespace 'wait-good'
        Set-Web $ns 'sample:1'

        $result = Wait-DeploymentRollout web -Namespace $ns -Kubeconfig $Kubeconfig -TimeoutSec 60

        $result | Should -BeOfType ([OpsAutomation.Models.Deployment.RolloutResult])
        $result.Status | Should -Be 'Complete'
        $result.Message | Should -Be 'deployment "web" successfully rolled out'
        $result.State.Available | Should -Be 2
    }

    It 'fails fast on a crash-looping version with RolloutPodFailed, the pod, the reason and the log lines' {
        $ns = New-Namespace 'wait-crash'
        Set-Web $ns 'sample:1'
        Wait-DeploymentRollout web -Namespace $ns -Kubeconfig $Kubeconfig -TimeoutSec 60 | Out-Null
        Set-Web $ns 'sample:2' @{ CRASH_AFTER_SECONDS = '0' }

        { Wait-DeploymentRollout web -Namespace $ns -Kubeconfig $Kubeconfig -TimeoutSec 60 -ErrorAction Stop } |
            Should -Throw -ErrorId 'RolloutPodFailed,OpsAutomation.Commands.WaitDeploymentRolloutCommand'
        Wait-DeploymentRollout web -Namespace $ns -Kubeconfig $Kubeconfig -TimeoutSec 60 -ErrorVariable failed -ErrorAction SilentlyContinue
        $failure = $failed[0].TargetObject.PodFailure
        $failure.Reason | Should -Be 'CrashLoopBackOff'
        $failure.Container | Should -Be 'app'
        $failure.LogLines | Should -Not -BeNullOrEmpty
        $failed[0].Exception.Message | Should -Match "pod $([regex]::Escape($failure.Pod)) container app: CrashLoopBackOff"
    }

    It 'binds the Deployment from a piped object' {
        $ns = New-Namespace 'wait-pipe'
        Set-Web $ns 'sample:1'

        $result = [pscustomobject]@{ Name = 'web'; Namespace = $ns; Kubeconfig = $Kubeconfig } | Wait-DeploymentRollout -TimeoutSec 60

        $result.Namespace | Should -Be $ns
    }

    It 'says DeploymentNotFound for a Deployment that is not there' {
        { Wait-DeploymentRollout missing -Namespace default -Kubeconfig $Kubeconfig -ErrorAction Stop } | Should -Throw -ErrorId 'DeploymentNotFound,OpsAutomation.Commands.WaitDeploymentRolloutCommand'
    }

    It 'stops with KubernetesConfigurationInvalid naming a kubeconfig that does not exist' {
        $missing = Join-Path $TestDrive 'no-such-kubeconfig'
        { Wait-DeploymentRollout web -Kubeconfig $missing } | Should -Throw -ErrorId 'KubernetesConfigurationInvalid,OpsAutomation.Commands.WaitDeploymentRolloutCommand' -ExpectedMessage "*$missing*"
    }
}

Describe 'Undo-Deployment and Get-DeploymentHistory' {
    BeforeAll {
        $script:ns = New-Namespace 'undo'
        foreach ($image in 'sample:1', 'sample:2', 'sample:3') {
            Set-Web $ns $image
            Wait-DeploymentRollout web -Namespace $ns -Kubeconfig $Kubeconfig -TimeoutSec 60 | Out-Null
        }
    }

    It 'lists the revisions with their change-cause and images, the current one marked' {
        $history = Get-DeploymentHistory web -Namespace $ns -Kubeconfig $Kubeconfig -StatePath $StatePath

        $history.Revision | Should -Be 1, 2, 3
        $history[1].ChangeCause | Should -Be 'deploy sample:2'
        $history[2].Images | Should -Be 'sample:3'
        @($history | Where-Object Current).Revision | Should -Be 3
    }

    It 'changes nothing with -WhatIf' {
        Undo-Deployment web -Namespace $ns -Kubeconfig $Kubeconfig -WhatIf | Should -BeNullOrEmpty
        Get-Image $ns | Should -Be 'sample:3'
    }

    It 'rolls back to the previous revision and waits for it' {
        $result = Undo-Deployment web -Namespace $ns -Kubeconfig $Kubeconfig -Wait -TimeoutSec 60 -Confirm:$false

        $result.Outcome | Should -Be 'RolledBack'
        $result.ToRevision | Should -Be 2
        $result.Rollout.Status | Should -Be 'Complete'
        Get-Image $ns | Should -Be 'sample:2'
        $current = Get-DeploymentHistory web -Namespace $ns -Kubeconfig $Kubeconfig | Where-Object Current
        $current.Record.Strategy | Should -Be 'Undo'
        $current.Outcome | Should -Be 'Succeeded'
        $current.User | Should -Match '@'
    }

    It 'rolls back to a revision piped from the history' {
        $result = Get-DeploymentHistory web -Namespace $ns -Kubeconfig $Kubeconfig -StatePath $StatePath -Revision 1 | Undo-Deployment -Kubeconfig $Kubeconfig -Confirm:$false

        $result.ToRevision | Should -Be 1
        Get-Image $ns | Should -Be 'sample:1'
    }

    It 'says DeploymentRevisionNotFound for a revision that is not in the history' {
        { Undo-Deployment web -Namespace $ns -Kubeconfig $Kubeconfig -ToRevision 99 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'DeploymentRevisionNotFound,OpsAutomation.Commands.UndoDeploymentCommand' -ExpectedMessage '*revision 99*'
    }
}
