#Requires -Version 7.4
# Invoke-Deployment as the README shows it: the sample service of examples/deployments built by the
# real Docker engine, pushed to the real registry (htpasswd), deployed to the Kubernetes sandbox
# (started as a process, looking images up in that registry) with each strategy, validated through
# its Service and rolled back when it fails.

BeforeAll {
    if (-not $env:OPS_TEST_MODULE_PATH) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    if (-not $env:OPS_TEST_DOCKER_HOST) { throw 'Needs the Docker engine and registry: ./build.ps1 Test starts them and sets OPS_TEST_DOCKER_HOST and OPS_TEST_REGISTRY*.' }
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
    Import-Module (Join-Path $PSScriptRoot '..' 'services' 'TestServices.psm1') -Force
    $script:Saved = @{ OPS_STATE_PATH = $env:OPS_STATE_PATH; KUBECONFIG = $env:KUBECONFIG; DOCKER_HOST = $env:DOCKER_HOST }
    if (-not $env:OPS_TEST_PROMETHEUS_SD_DIR) { throw 'Needs the test Prometheus: ./build.ps1 Test starts it and sets OPS_TEST_PROMETHEUS_URL and OPS_TEST_PROMETHEUS_SD_DIR.' }
    # The test Prometheus scrapes the sandbox's pods (their sample_http_requests_total) through the target file it keeps.
    $script:Sandbox = Start-TestSandbox -Argument '--pod-start-seconds', '0', '--registry', $env:OPS_TEST_REGISTRY,
        '--registry-user', $env:OPS_TEST_REGISTRY_USER, '--registry-password', 'env:OPS_TEST_REGISTRY_PASSWORD',
        '--prometheus-sd-file', (Join-Path $env:OPS_TEST_PROMETHEUS_SD_DIR "deployment-invoke-$PID.json")
    $env:KUBECONFIG = $Sandbox.Kubeconfig
    $env:DOCKER_HOST = $env:OPS_TEST_DOCKER_HOST
    $env:OPS_STATE_PATH = Join-Path $TestDrive 'state'
    $env:SAMPLE_REGISTRY = $env:OPS_TEST_REGISTRY
    $script:Credential = [pscredential]::new($env:OPS_TEST_REGISTRY_USER, (ConvertTo-SecureString $env:OPS_TEST_REGISTRY_PASSWORD -AsPlainText -Force))

    # A copy of the example with the busybox it carries, as Deploy-Sample.ps1 prepares it.
    $script:Example = Join-Path $TestDrive 'deployments'
    Copy-Item (Join-Path $PSScriptRoot '..' '..' 'examples' 'deployments') $Example -Recurse
    $busybox = @('/bin/busybox', '/usr/bin/busybox') | Where-Object { Test-Path $_ } | Select-Object -First 1
    Copy-Item $busybox (Join-Path $Example 'sample' 'busybox')

    function Deploy([string] $Strategy, [string] $Version, [string] $Namespace, [double] $ErrorRate = 0) {
        $env:SAMPLE_VERSION = $Version
        $env:ERROR_RATE = "$ErrorRate"
        Invoke-Deployment (Join-Path $Example "$Strategy.psd1") -Namespace $Namespace -Credential $Credential -ErrorAction SilentlyContinue -ErrorVariable script:Failure
    }
}

AfterAll {
    if ($Sandbox) { Stop-TestSandbox $Sandbox }
    foreach ($name in $Saved.Keys) { Set-Item "env:$name" $Saved[$name] -ErrorAction Ignore; if (-not $Saved[$name]) { Remove-Item "env:$name" -ErrorAction Ignore } }
    Remove-Item env:SAMPLE_REGISTRY, env:SAMPLE_VERSION, env:ERROR_RATE -ErrorAction Ignore
}

Describe 'Invoke-Deployment, rolling update' {
    It 'builds, pushes, deploys by digest, validates, and pipes into Test-ServiceHealth' {
        $result = Deploy rolling 1.0.0 rolling-good

        $result.Outcome | Should -Be Succeeded
        $result.Changed | Should -BeTrue
        $result.Image | Should -Match "^$([regex]::Escape($env:OPS_TEST_REGISTRY))/opsautomation/sample@sha256:[0-9a-f]{64}$"
        $result.Image | Should -BeLike "*$($result.ImageDigest)"
        $result.Validation.Outcome | Should -Be Passed
        $live = kubectl get deployment sample -n rolling-good -o json | ConvertFrom-Json
        $live.spec.template.spec.containers[0].image | Should -Be $result.Image
        ($result | Test-ServiceHealth).Status | Should -Be Healthy
    }

    It 'says unchanged when run again with the same version, with no new revision' {
        $result = Deploy rolling 1.0.0 rolling-good

        $result.Outcome | Should -Be Succeeded
        $result.Changed | Should -BeFalse
        $result.RevisionAfter | Should -Be $result.RevisionBefore
        @(Get-DeploymentHistory -Name sample -Namespace rolling-good).Count | Should -BeGreaterOrEqual 1
    }

    It 'rolls back a version that fails its validation, and says so as an error for CI' {
        $result = Deploy rolling 1.0.1 rolling-good -ErrorRate 1

        $result.Outcome | Should -Be RolledBack
        $result.Reason | Should -BeLike '*the validation did not pass*'
        $Failure[0].FullyQualifiedErrorId | Should -BeLike 'DeploymentRolledBack,*'
        (kubectl get deployment sample -n rolling-good -o json | ConvertFrom-Json).spec.template.spec.containers[0].env[0].value | Should -Be '0'
    }

    It 'rolls back a version whose error ratio in Prometheus fails its metric gate, though every health check passes' {
        # The health gate sends the traffic and accepts the 500s; the metric gate judges them, on the
        # pods under validation only (${POD_TEMPLATE_HASH}): after the rollback, the restored version's.
        # A version that never failed has no 5xx series at all, hence the 'or vector(0)'. Prometheus
        # takes up to 5 s to scrape new pods (its discovery sends updates every 5 s), so the first
        # evaluations have no data and count as inconclusive.
        $pods = 'namespace="metric-gate",pod_template_hash="${POD_TEMPLATE_HASH}",path="/"'
        $errorRatio = "(sum(rate(sample_http_requests_total{$pods,code=~`"5..`"}[5s])) or vector(0)) / sum(rate(sample_http_requests_total{$pods}[5s]))"
        $spec = Join-Path $Example 'metric-gate.psd1'
        Set-Content $spec @"
@{
    Name = 'sample'; Namespace = 'metric-gate'; Manifests = 'manifests'; Service = 'sample'; TimeoutSec = 120
    Image = @{ Context = 'sample'; Repository = '$env:OPS_TEST_REGISTRY/opsautomation/sample'; Tag = '`${SAMPLE_VERSION}' }
    Validation = @{
        PrometheusUri = '$env:OPS_TEST_PROMETHEUS_URL'
        HealthGates = @(@{ Name = 'traffic'; Uri = '`${SERVICE_URL}'; Check = @{ ExpectedStatusCode = 200, 500; Headers = @{ Connection = 'close' } }; SuccessCount = 80; IntervalSec = 0.25; WindowSec = 40 })
        MetricGates = @(@{ Name = 'error-ratio'; Query = '$errorRatio'; Threshold = '< 0.05'; IntervalSec = 1; Count = 20; NoData = 'Inconclusive'; InconclusiveLimit = 15 })
    }
}
"@
        function DeployGated([string] $Version, [double] $ErrorRate) {
            $env:SAMPLE_VERSION = $Version
            $env:ERROR_RATE = "$ErrorRate"
            Invoke-Deployment $spec -Credential $Credential -ErrorAction SilentlyContinue -ErrorVariable script:Failure
        }

        $good = DeployGated 1.0.0 0
        $good.Outcome | Should -Be Succeeded -Because $good.Reason
        @($good.Validation.Gates | Where-Object Gate -eq 'error-ratio').Outcome | Should -Be Passed

        $bad = DeployGated 1.0.1 1
        $bad.Outcome | Should -Be RolledBack -Because $bad.Reason
        $bad.Reason | Should -BeLike '*error-ratio*'
        $queries = @($bad.Validation.Evaluations | Where-Object Gate -eq 'error-ratio').Query -join "`n"
        $queries | Should -Match 'pod_template_hash="[a-z0-9]+"'
        $queries | Should -Not -Match '\$\{'
        $gate = $bad.Validation.Gates | Where-Object Gate -eq 'error-ratio'
        $gate.Outcome | Should -Be Failed
        @($gate.Evaluations | Where-Object Verdict -eq Fail)[0].Value | Should -BeGreaterThan 0.05
        # The health gate was stopped when the metric gate failed, without one failed check.
        $traffic = $bad.Validation.Gates | Where-Object Gate -eq 'traffic'
        $traffic.Outcome | Should -BeIn Passed, Stopped
        @($traffic.Evaluations | Where-Object Verdict -ne Pass) | Should -BeNullOrEmpty
        (kubectl get deployment sample -n metric-gate -o json | ConvertFrom-Json).spec.template.metadata.labels.version | Should -Be '1.0.0'
    }

    It 'rolls back an image that was never pushed (ErrImagePull on the sandbox, as on a cluster)' {
        $first = Deploy rolling 1.0.0 rolling-missing
        $first.Outcome | Should -Be Succeeded
        $result = Invoke-Deployment -Name sample -Namespace rolling-missing -Manifest (Join-Path $Example 'manifests') -Service sample `
            -Image "$env:OPS_TEST_REGISTRY/opsautomation/never-pushed:1" -Variable @{ VERSION = '9' } -TimeoutSec 60 -ErrorAction SilentlyContinue

        $result.Outcome | Should -Be RolledBack
        $result.Reason | Should -Match 'ErrImagePull|ImagePullBackOff'
    }

    It 'stops on Ctrl+C mid-rollout and says in its record where the Deployment was left' {
        $manifest = Join-Path $TestDrive 'stuck.yaml'
        Set-Content $manifest @'
apiVersion: v1
kind: Namespace
metadata: { name: stopped }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: stuck, labels: { app: stuck } }
spec:
  replicas: 2
  progressDeadlineSeconds: 600
  selector: { matchLabels: { app: stuck } }
  template:
    metadata: { labels: { app: stuck } }
    spec:
      containers:
      - name: app
        image: placeholder
        readinessProbe: { httpGet: { path: /readyz, port: 8080 }, periodSeconds: 1 }
        env: [{ name: READINESS_FAIL, value: "true" }]
'@
        # Ctrl+C is PowerShell's Stop() of the running pipeline: the same path StopProcessing takes.
        $ps = [powershell]::Create()
        $null = $ps.AddScript({
                param($Module, $Manifest, $Image)
                Import-Module $Module
                Invoke-Deployment -Name stuck -Namespace stopped -Manifest $Manifest -Image $Image -Container app -TimeoutSec 600
            }).AddArgument($env:OPS_TEST_MODULE_PATH).AddArgument($manifest).AddArgument("$env:OPS_TEST_REGISTRY/opsautomation/sample:1.0.0")
        $invocation = $ps.BeginInvoke()
        try {
            $deadline = [datetime]::UtcNow.AddSeconds(60)
            while (-not (kubectl get deployment stuck -n stopped --ignore-not-found -o name) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            Start-Sleep -Seconds 1
            $ps.InvocationStateInfo.State | Should -Be Running -Because 'the rollout must still be waited on when stopped'

            $ps.Stop()

            $ps.InvocationStateInfo.State | Should -Be Stopped
        }
        finally { $ps.Dispose() }
        $record = Get-DeploymentHistory -Name stuck -Namespace stopped -Run -Last 1
        $record.Outcome | Should -Be Failed
        $record.Reason | Should -BeLike 'stopped: *0 of 2 updated replicas are available*; run again to continue, or Undo-Deployment'
    }

    It '-WhatIf shows the diff and changes nothing' {
        $env:SAMPLE_VERSION = '2.0.0'
        $before = kubectl get deployment sample -n rolling-good -o jsonpath='{.metadata.resourceVersion}'
        $preview = Invoke-Deployment (Join-Path $Example 'rolling.psd1') -Namespace rolling-good -WhatIf

        ($preview | Where-Object Kind -eq Deployment).Diff | Should -BeLike '*2.0.0*'
        kubectl get deployment sample -n rolling-good -o jsonpath='{.metadata.resourceVersion}' | Should -Be $before
    }
}

Describe 'Invoke-Deployment, canary and blue-green' {
    It 'promotes a good canary and aborts a bad one, stable untouched' {
        (Deploy canary 1.0.0 canary).Outcome | Should -Be Succeeded

        $good = Deploy canary 1.1.0 canary
        $good.Outcome | Should -Be Succeeded
        @($good.Steps.Kind) | Should -Be @('SetWeight', 'Analysis', 'SetWeight', 'Pause', 'Analysis', 'Promote')

        $bad = Deploy canary 1.2.0 canary -ErrorRate 1
        $bad.Outcome | Should -Be RolledBack -Because $bad.Reason
        $bad.Reason | Should -BeLike '*analysis*failed*'
        kubectl get deployment sample-canary -n canary --ignore-not-found -o name | Should -BeNullOrEmpty
        (kubectl get deployment sample -n canary -o json | ConvertFrom-Json).spec.template.metadata.labels.version | Should -Be '1.1.0'
    }

    It 'continues a canary run killed with SIGKILL mid-pause, and says so in both records' -Tag 'Platform' -Skip:$IsWindows {
        (Deploy canary 1.0.0 canary-killed).Outcome | Should -Be Succeeded
        # The same steps twice: a long pause for the run that is killed, a short one for the run that continues it.
        $canary = Get-Content (Join-Path $Example 'canary.psd1') -Raw
        Set-Content (Join-Path $Example 'canary-long.psd1') ($canary -replace 'PauseSec = 5', 'PauseSec = 600')
        Set-Content (Join-Path $Example 'canary-short.psd1') ($canary -replace 'PauseSec = 5', 'PauseSec = 1')
        $env:SAMPLE_VERSION = '1.1.0'
        $env:ERROR_RATE = '0'
        $command = "Import-Module '$env:OPS_TEST_MODULE_PATH'; " +
            '$credential = [pscredential]::new($env:OPS_TEST_REGISTRY_USER, (ConvertTo-SecureString $env:OPS_TEST_REGISTRY_PASSWORD -AsPlainText -Force)); ' +
            "Invoke-Deployment '$(Join-Path $Example 'canary-long.psd1')' -Namespace canary-killed -Credential `$credential"
        $output = Join-Path $TestDrive 'killed-run.log'
        $process = Start-Process (Join-Path $PSHOME 'pwsh') -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $command -PassThru `
            -RedirectStandardOutput $output -RedirectStandardError "$output.err"
        try {
            # Killed once the canary took its first step and sits in the pause.
            $deadline = [datetime]::UtcNow.AddSeconds(90)
            do {
                Start-Sleep -Milliseconds 250
                $step = kubectl get deployment sample-canary -n canary-killed --ignore-not-found -o jsonpath='{.metadata.annotations.deploy\.opsautomation/step}'
            } until ($step -ge 1 -or $process.HasExited -or [datetime]::UtcNow -gt $deadline)
            $process.HasExited | Should -BeFalse -Because "the run must still be in its pause when killed: $(Get-Content $output, "$output.err" -Raw -ErrorAction Ignore)"
            $step | Should -BeGreaterOrEqual 1
        }
        finally { & kill -9 $process.Id; $process.WaitForExit() }
        $killed = Get-DeploymentHistory -Name sample -Namespace canary-killed -Run -Last 1

        $killed.Outcome | Should -Be InProgress -Because 'a killed run cannot say how it ended'

        $result = Invoke-Deployment (Join-Path $Example 'canary-short.psd1') -Namespace canary-killed -Credential $Credential

        $result.Outcome | Should -Be Succeeded -Because $result.Reason
        $result.Reason | Should -BeLike "*continued run $($killed.Id), which was interrupted*"
        $record = Get-DeploymentHistory -Name sample -Namespace canary-killed -Run | Where-Object Id -eq $killed.Id
        $record.Outcome | Should -Be Failed
        $record.Reason | Should -BeLike "interrupted: process $($process.Id) *ended before the run did; run $($result.Id) continued it"
        kubectl get deployment sample-canary -n canary-killed --ignore-not-found -o name | Should -BeNullOrEmpty
        (kubectl get deployment sample -n canary-killed -o json | ConvertFrom-Json).spec.template.metadata.labels.version | Should -Be '1.1.0'
    }

    It 'switches blue-green to the new color and keeps the old one when the preview fails' {
        (Deploy bluegreen 1.0.0 bluegreen).Outcome | Should -Be Succeeded
        $green = Deploy bluegreen 1.1.0 bluegreen
        $green.Outcome | Should -Be Succeeded
        (kubectl get service sample -n bluegreen -o json | ConvertFrom-Json).spec.selector.'deploy.opsautomation/color' | Should -Be green

        $bad = Deploy bluegreen 1.2.0 bluegreen -ErrorRate 1
        $bad.Outcome | Should -Be RolledBack -Because $bad.Reason
        (kubectl get service sample -n bluegreen -o json | ConvertFrom-Json).spec.selector.'deploy.opsautomation/color' | Should -Be green
    }
}

Describe 'Invoke-Deployment, bad input' {
    It 'names the key of a bad spec' {
        $spec = Join-Path $TestDrive 'bad.psd1'
        Set-Content $spec "@{ Name = 'x'; Manifests = 'm'; Strategy = @{ Type = 'Shadow' } }"
        { Invoke-Deployment $spec } | Should -Throw -ErrorId 'DeploymentSpecInvalid,OpsAutomation.Commands.InvokeDeploymentCommand' -ExpectedMessage "*Strategy.Type*Shadow*"
    }

    It 'says which Deployment the manifests lack' {
        { Invoke-Deployment -Name nothere -Manifest (Join-Path $Example 'manifests') -Image busybox:1 -Container sample -Variable @{ VERSION = '1' } -Namespace bad-input } |
            Should -Throw -ErrorId 'DeploymentInvalid,OpsAutomation.Commands.InvokeDeploymentCommand' -ExpectedMessage '*no Deployment named nothere*'
    }
}
