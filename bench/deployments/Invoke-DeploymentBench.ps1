#Requires -Version 7.4
<#
.SYNOPSIS
    -Count deployments with their rollouts against the Kubernetes sandbox: Invoke-Deployment (one
    process, the module loaded once, deployments -Throttle at a time) against a shell loop of
    `kubectl apply --server-side && kubectl rollout status` (two kubectl processes a deployment).
    Prints a Markdown table: total seconds and the ratio.
.DESCRIPTION
    Starts the built sandbox (--pod-start-seconds 1) and, for each contender, -Count namespaces with
    one Deployment of 2 replicas and its Service each, from the same manifest. Both contenders wait
    for every rollout to complete; Invoke-Deployment also validates each Service once through its
    URL (its default gate), which kubectl does not do, so the ratio is against the fuller job.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Count = 20,
    [int] $Throttle = 4,
    [string] $Kubectl = 'kubectl',
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = (Resolve-Path (Join-Path $PSScriptRoot '..' '..')).Path
Import-Module (Join-Path $root 'tests' 'services' 'TestServices.psm1') -Force
$work = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "ops-deploy-bench-$PID") -Force
$sandbox = Start-TestSandbox -Argument '--pod-start-seconds', '1' -Configuration $Configuration
try {
    $manifest = Join-Path $work 'web.yaml'
    Set-Content $manifest @'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: bench/web:1
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
'@
    foreach ($prefix in 'kubectl', 'module') {
        1..$Count | ForEach-Object { & $Kubectl --kubeconfig $sandbox.Kubeconfig create namespace "$prefix-$_" | Out-Null }
    }

    $kubectlClock = [Diagnostics.Stopwatch]::StartNew()
    foreach ($i in 1..$Count) {
        & $Kubectl --kubeconfig $sandbox.Kubeconfig apply --server-side -n "kubectl-$i" -f $manifest | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "kubectl apply failed for kubectl-$i" }
        & $Kubectl --kubeconfig $sandbox.Kubeconfig rollout status deployment/web -n "kubectl-$i" --timeout 120s | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "kubectl rollout status failed for kubectl-$i" }
    }
    $kubectlClock.Stop()

    $moduleClock = [Diagnostics.Stopwatch]::StartNew()
    $results = 1..$Count | ForEach-Object -ThrottleLimit $Throttle -Parallel {
        Import-Module $using:ModulePath
        Invoke-Deployment -Name web -Manifest $using:manifest -Namespace "module-$_" -Kubeconfig $using:sandbox.Kubeconfig -Service web `
            -StatePath (Join-Path $using:work 'state') -TimeoutSec 120
    }
    $moduleClock.Stop()
    $failed = @($results | Where-Object Outcome -ne Succeeded)
    if ($failed.Count -gt 0 -or @($results).Count -ne $Count) { throw "Invoke-Deployment: $($failed.Count) of $Count did not succeed: $($failed[0].Reason)" }

    $load = (Get-Content /proc/loadavg -ErrorAction Ignore) -split ' ' | Select-Object -First 3
    "| contender ($Count deployments of 2 replicas, sandbox) | seconds | ratio |"
    '|---|---|---|'
    '| `kubectl apply --server-side && kubectl rollout status`, one after another | {0:0.00} | 1.00 |' -f $kubectlClock.Elapsed.TotalSeconds
    '| `Invoke-Deployment`, throttle {0} (rollout and one validation each) | {1:0.00} | {2:0.00}x |' -f $Throttle, $moduleClock.Elapsed.TotalSeconds, ($moduleClock.Elapsed.TotalSeconds / $kubectlClock.Elapsed.TotalSeconds)
    ''
    "Load average at the end: $($load -join ' ')."
}
finally {
    Stop-TestSandbox $sandbox
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
