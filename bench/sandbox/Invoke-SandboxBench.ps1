#Requires -Version 7.4
<#
.SYNOPSIS
    The Kubernetes sandbox at scale: -Deployments Deployments of -Replicas replicas (1,000 pods by
    default), each pod running its sample application with a readinessProbe. Prints a Markdown table
    of memory, CPU at rest, the time to all ready, and list and watch latency against kubectl's on
    the same sandbox, as ratios.
.DESCRIPTION
    Starts the built sandbox (src/OpsAutomation.Sandbox, -Configuration) as a process of its own with
    --pod-start-seconds 2, speed 1, and measures, all on 127.0.0.1:
    - start: from the process start to the kubeconfig line; resident memory (VmRSS) and CPU
      (user+system from /proc, over -RestSeconds) at rest with no pods;
    - scale: one `kubectl apply -f` of the Deployments (readinessProbe httpGet /readyz, periodSeconds
      10), then the time from the apply until every Deployment has all its replicas available, read by
      listing Deployments through the API every 250 ms; then memory, open descriptors and CPU at rest
      over -RestSeconds with every pod's probe running;
    - list: GET /api/v1/pods of all pods by a .NET HttpClient (a client that keeps its connection, the
      body read whole), against `kubectl get pods -A` (the server's Table) and `kubectl get pods -A -o
      json`, each a process of its own; median of -Rounds;
    - watch: the time from a label patch of one pod (sent by the HttpClient) until its MODIFIED event
      arrives on a watch held open by the HttpClient, against the same until `kubectl get pod -w`
      prints the new label; median of -Rounds patches each.
    kubectl is the one on PATH (or -Kubectl). The sandbox is stopped by its PID (SIGTERM) at the end.
#>
[CmdletBinding()]
param(
    [string] $ModulePath,
    [int] $Deployments = 100,
    [int] $Replicas = 10,
    [int] $Rounds = 10,
    [int] $RestSeconds = 20,
    [string] $Kubectl = 'kubectl',
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..' 'health' 'BenchSupport.psm1') -Force
Set-StrictMode -Version Latest

$root = (Resolve-Path (Join-Path $PSScriptRoot '..' '..')).Path
$assembly = Join-Path $root 'src' 'OpsAutomation.Sandbox' 'bin' $Configuration 'net10.0' 'OpsAutomation.Sandbox.dll'
if (-not (Test-Path $assembly)) { Invoke-Native dotnet @('build', (Join-Path $root 'src' 'OpsAutomation.Sandbox'), '-c', $Configuration, '--nologo', '-v:q') | Out-Null }

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    if ($sorted.Count % 2) { $sorted[[int][math]::Floor($sorted.Count / 2)] } else { ($sorted[$sorted.Count / 2 - 1] + $sorted[$sorted.Count / 2]) / 2 }
}

function Get-ProcessFigures([int] $ProcessId) {
    $status = Get-Content "/proc/$ProcessId/status"
    $rss = [double](($status | Where-Object { $_ -like 'VmRSS:*' }) -replace '\D', '') / 1024
    $stat = (Get-Content "/proc/$ProcessId/stat" -Raw) -replace '^.*\) ', ''
    $fields = $stat -split ' '
    # utime and stime, fields 14 and 15 of /proc/pid/stat (11 and 12 after the command), in clock ticks.
    [pscustomobject]@{ RssMiB = $rss; CpuTicks = [double]$fields[11] + [double]$fields[12]; Descriptors = @(Get-ChildItem "/proc/$ProcessId/fd").Count }
}

# The share of one core the process used over $Seconds of wall time.
function Measure-RestCpu([int] $ProcessId, [int] $Seconds) {
    $ticks = [double](Invoke-Native getconf @('CLK_TCK'))
    $before = Get-ProcessFigures $ProcessId
    Start-Sleep -Seconds $Seconds
    $after = Get-ProcessFigures $ProcessId
    [pscustomobject]@{ CpuPercent = 100 * ($after.CpuTicks - $before.CpuTicks) / $ticks / $Seconds; RssMiB = $after.RssMiB; Descriptors = $after.Descriptors }
}

function Measure-Seconds([scriptblock] $Action) {
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    & $Action | Out-Null
    $watch.Elapsed.TotalSeconds
}

$work = New-Item -ItemType Directory (Join-Path ([System.IO.Path]::GetTempPath()) "sandbox-bench-$PID") -Force
$kubeconfig = Join-Path $work 'kubeconfig'
$env:KUBECONFIG = $kubeconfig
$sandbox = $null
$http = $null
$kubectlWatch = $null
try {
    # Start: the process to its kubeconfig line.
    $startInfo = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($argument in @($assembly, '--kubeconfig', $kubeconfig, '--pod-start-seconds', '2')) { $startInfo.ArgumentList.Add($argument) }
    $startInfo.RedirectStandardOutput = $true
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $sandbox = [System.Diagnostics.Process]::Start($startInfo)
    $first = $sandbox.StandardOutput.ReadLine()
    $startSeconds = $clock.Elapsed.TotalSeconds
    if ($first -notlike 'kubeconfig: *') { throw "The sandbox's first line is not its kubeconfig: '$first'." }
    $api = ($sandbox.StandardOutput.ReadLine() -replace '^api: ', '').TrimEnd('/')
    $token = Invoke-Native $Kubectl @('config', 'view', '--raw', '-o', 'jsonpath={.users[?(@.name=="sandbox-admin")].user.token}')
    # The sandbox's own CA signs its certificate; this bench client skips the check (loopback, its own process).
    $handler = [System.Net.Http.HttpClientHandler]::new()
    $handler.ServerCertificateCustomValidationCallback = [System.Net.Http.HttpClientHandler]::DangerousAcceptAnyServerCertificateValidator
    $http = [System.Net.Http.HttpClient]::new($handler)
    $http.DefaultRequestHeaders.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $token)
    $http.Timeout = [TimeSpan]::FromSeconds(60)
    function Get-Api([string] $Path) { $http.GetStringAsync("$api$Path").GetAwaiter().GetResult() }
    Get-Api '/api/v1/namespaces' | Out-Null
    $empty = Measure-RestCpu $sandbox.Id 10

    # Scale: the Deployments in one apply, then the time until all are available.
    $manifest = Join-Path $work 'deployments.yaml'
    $documents = foreach ($i in 1..$Deployments) {
        @"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-$i, namespace: default}
spec:
  replicas: $Replicas
  selector: {matchLabels: {app: web-$i}}
  template:
    metadata: {labels: {app: web-$i}}
    spec:
      containers:
      - name: app
        image: sample:1
        ports: [{containerPort: 8080}]
        readinessProbe: {httpGet: {path: /readyz, port: 8080}, periodSeconds: 10}
"@
    }
    Set-Content $manifest ($documents -join "`n---`n")
    $clock.Restart()
    Invoke-Native $Kubectl @('apply', '-f', $manifest) | Out-Null
    $applySeconds = $clock.Elapsed.TotalSeconds
    $deadline = [DateTime]::UtcNow.AddMinutes(10)
    do {
        Start-Sleep -Milliseconds 250
        $items = (Get-Api '/apis/apps/v1/namespaces/default/deployments' | ConvertFrom-Json).items
        $available = @($items | Where-Object { $_.status.PSObject.Properties['availableReplicas'] -and $_.status.availableReplicas -eq $Replicas }).Count
        if ([DateTime]::UtcNow -gt $deadline) { throw "After 10 minutes $available of $Deployments Deployments are available." }
    } while ($available -lt $Deployments)
    $readySeconds = $clock.Elapsed.TotalSeconds
    Start-Sleep -Seconds 5
    $loaded = Measure-RestCpu $sandbox.Id $RestSeconds
    $pods = @((Get-Api '/api/v1/pods' | ConvertFrom-Json).items).Count
    if ($pods -ne $Deployments * $Replicas) { throw "The sandbox has $pods pods, not $($Deployments * $Replicas)." }

    # List: the raw API against kubectl's table and JSON, each median of $Rounds.
    Get-Api '/api/v1/pods' | Out-Null
    $listApi = Get-Median @(foreach ($r in 1..$Rounds) { Measure-Seconds { Get-Api '/api/v1/pods' } })
    $listTable = Get-Median @(foreach ($r in 1..$Rounds) { Measure-Seconds { Invoke-Native $Kubectl @('get', 'pods', '-A') } })
    $listJson = Get-Median @(foreach ($r in 1..$Rounds) { Measure-Seconds { Invoke-Native $Kubectl @('get', 'pods', '-A', '-o', 'json') } })
    $kubectlFloor = Get-Median @(foreach ($r in 1..$Rounds) { Measure-Seconds { Invoke-Native $Kubectl @('get', 'namespace', 'default', '-o', 'name') } })

    # Watch: a label patch of one pod until its event arrives, on the HttpClient's watch and on kubectl's.
    $pod = ((Get-Api '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb-1&limit=1' | ConvertFrom-Json).items)[0].metadata.name
    function Send-Label([string] $Value) {
        $body = [System.Net.Http.StringContent]::new("{""metadata"":{""labels"":{""bench"":""$Value""}}}", [System.Text.Encoding]::UTF8, 'application/merge-patch+json')
        $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Patch, "$api/api/v1/namespaces/default/pods/$pod")
        $request.Content = $body
        $response = $http.SendAsync($request).GetAwaiter().GetResult()
        if (-not $response.IsSuccessStatusCode) { throw "PATCH pod $pod answered $([int]$response.StatusCode)." }
    }
    # Each read is bounded: a line must come within 30 s.
    function Read-Until($Reader, [string] $Text) {
        while ($true) {
            $line = $Reader.ReadLineAsync()
            if (-not $line.Wait([TimeSpan]::FromSeconds(30))) { throw "No event with '$Text' within 30 s." }
            if ($null -eq $line.Result) { throw "The watch ended before '$Text'." }
            if ($line.Result.Contains($Text)) { return }
        }
    }
    $watchRequest = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Get, "$api/api/v1/namespaces/default/pods?watch=1&fieldSelector=metadata.name%3D$pod")
    $watchResponse = $http.SendAsync($watchRequest, [System.Net.Http.HttpCompletionOption]::ResponseHeadersRead).GetAwaiter().GetResult()
    $apiReader = [System.IO.StreamReader]::new($watchResponse.Content.ReadAsStream())
    Read-Until $apiReader '"ADDED"'
    $watchApi = Get-Median @(foreach ($r in 1..$Rounds) { Measure-Seconds { Send-Label "api-$r"; Read-Until $apiReader """bench"":""api-$r""" } })
    $watchResponse.Dispose()

    $watchInfo = [System.Diagnostics.ProcessStartInfo]::new((Get-Command $Kubectl).Source)
    foreach ($argument in @('get', 'pod', $pod, '-w', '-o', 'jsonpath={.metadata.labels.bench}{"\n"}')) { $watchInfo.ArgumentList.Add($argument) }
    $watchInfo.RedirectStandardOutput = $true
    $kubectlWatch = [System.Diagnostics.Process]::Start($watchInfo)
    Read-Until $kubectlWatch.StandardOutput "api-$Rounds"
    $watchKubectl = Get-Median @(foreach ($r in 1..$Rounds) { Measure-Seconds { Send-Label "kubectl-$r"; Read-Until $kubectlWatch.StandardOutput "kubectl-$r" } })

    $kubectlVersion = (Invoke-Native $Kubectl @('version', '--client', '-o', 'json') | ConvertFrom-Json).clientVersion.gitVersion
    $n = $Deployments * $Replicas
    @"

Sandbox at scale: $Deployments Deployments x $Replicas replicas ($n pods, each its sample application with a readinessProbe every 10 s), --pod-start-seconds 2, speed 1; kubectl $kubectlVersion; median of $Rounds.

| figure | value |
|---|---|
| start to the kubeconfig line | $('{0:N2}' -f $startSeconds) s |
| at rest, no pods: resident / CPU | $('{0:N0}' -f $empty.RssMiB) MiB / $('{0:N1}' -f $empty.CpuPercent)% of a core |
| kubectl apply of the $Deployments Deployments | $('{0:N2}' -f $applySeconds) s |
| apply to all $n pods ready and every Deployment available | $('{0:N1}' -f $readySeconds) s |
| at rest, $n pods: resident / CPU / open descriptors | $('{0:N0}' -f $loaded.RssMiB) MiB / $('{0:N1}' -f $loaded.CpuPercent)% of a core / $($loaded.Descriptors) |

| list and watch ($n pods) | seconds | ratio to the API client |
|---|---|---|
| list: GET /api/v1/pods, HttpClient (JSON, $n items) | $('{0:N3}' -f $listApi) | 1.0 |
| list: kubectl get pods -A (server-side Table) | $('{0:N3}' -f $listTable) | $('{0:N1}' -f ($listTable / $listApi))x |
| list: kubectl get pods -A -o json | $('{0:N3}' -f $listJson) | $('{0:N1}' -f ($listJson / $listApi))x |
| kubectl get namespace default -o name (kubectl's own floor) | $('{0:N3}' -f $kubectlFloor) | $('{0:N1}' -f ($kubectlFloor / $listApi))x |
| watch: patch to MODIFIED event, HttpClient watch | $('{0:N4}' -f $watchApi) | 1.0 |
| watch: patch to the line of kubectl get pod -w | $('{0:N4}' -f $watchKubectl) | $('{0:N1}' -f ($watchKubectl / $watchApi))x |
"@
}
finally {
    if ($kubectlWatch) { Stop-Process -Id $kubectlWatch.Id -ErrorAction Ignore; $kubectlWatch.WaitForExit(10000) | Out-Null }
    if ($http) { $http.Dispose() }
    if ($sandbox) {
        # SIGTERM: the sandbox stops its pods' applications and exits.
        Invoke-Native kill @('-TERM', "$($sandbox.Id)") | Out-Null
        if (-not $sandbox.WaitForExit(30000)) { Stop-Process -Id $sandbox.Id -Force; throw 'The sandbox did not stop within 30 s of SIGTERM.' }
    }
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
