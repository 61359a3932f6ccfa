#Requires -Version 7.4
<#
.SYNOPSIS
    500 HTTP targets on a loopback server answering in about 20 ms, throttle 64: Test-ServiceHealth
    against ForEach-Object -Parallel { Invoke-WebRequest } and Python requests + ThreadPoolExecutor,
    in one run; plus the time Import-Module adds to a fresh pwsh. Prints a Markdown table.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Targets = 500,
    [int] $Throttle = 64,
    [int] $Repeat = 3
)
$ErrorActionPreference = 'Stop'
$pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
$python = '/usr/bin/python3'
& $python -c 'import requests' 2>$null
if ($LASTEXITCODE -ne 0) {
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get update -qq | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "apt-get update failed with $LASTEXITCODE." }
    & apt-get install -y -qq --no-install-recommends python3-requests | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "apt-get install python3-requests failed with $LASTEXITCODE." }
}

$probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
$server = Start-Process $python -ArgumentList (Join-Path $PSScriptRoot 'latency_server.py'), $port -PassThru
try {
    Start-Sleep -Seconds 1
    $urls = 1..$Targets | ForEach-Object { "http://127.0.0.1:$port/target/$_" }
    $urlFile = New-TemporaryFile
    Set-Content $urlFile $urls
    Import-Module $ModulePath

    $rows = foreach ($round in 1..$Repeat) {
        $ops = Measure-Command { $r = Test-ServiceHealth -Uri $urls -ThrottleLimit $Throttle -NoHistory; if (@($r | Where-Object Status -EQ Healthy).Count -ne $Targets) { throw 'Test-ServiceHealth: not all healthy' } }
        $parallel = Measure-Command { $ok = $urls | ForEach-Object -Parallel { (Invoke-WebRequest $_ -TimeoutSec 10).StatusCode -eq 200 } -ThrottleLimit $Throttle; if (@($ok | Where-Object { $_ }).Count -ne $Targets) { throw 'ForEach-Object -Parallel: not all healthy' } }
        $py = (& $python (Join-Path $PSScriptRoot 'requests_peer.py') $urlFile $Throttle) -split ' '
        if ([int]$py[1] -ne $Targets) { throw 'Python: not all healthy' }
        [pscustomobject]@{ Ops = $ops.TotalSeconds; Parallel = $parallel.TotalSeconds; Python = [double]$py[0] }
    }
    $medianOf = { param($values) ($values | Sort-Object)[[int][math]::Floor(@($values).Count / 2)] }
    $bare = & $medianOf (1..5 | ForEach-Object { (Measure-Command { & $pwsh -NoProfile -NonInteractive -Command 'exit 0' }).TotalSeconds })
    $withModule = & $medianOf (1..5 | ForEach-Object { (Measure-Command { & $pwsh -NoProfile -NonInteractive -Command "Import-Module '$ModulePath'; exit 0" }).TotalSeconds })

    $ops = & $medianOf $rows.Ops; $parallel = & $medianOf $rows.Parallel; $py = & $medianOf $rows.Python
    "| $Targets targets, ~20 ms each, throttle $Throttle (median of $Repeat) | seconds | ratio to Test-ServiceHealth |"
    '|---|---|---|'
    '| Test-ServiceHealth | {0:0.000} | 1.0 |' -f $ops
    '| ForEach-Object -Parallel {{ Invoke-WebRequest }} | {0:0.000} | {1:0.0}x slower |' -f $parallel, ($parallel / $ops)
    '| Python requests + ThreadPoolExecutor | {0:0.000} | {1:0.0}x slower |' -f $py, ($py / $ops)
    ''
    'Import-Module in a fresh pwsh: {0:0.000} s with the module vs {1:0.000} s without (+{2:0} ms, median of 5)' -f $withModule, $bare, (($withModule - $bare) * 1000)
}
finally {
    Stop-Process -Id $server.Id -ErrorAction Ignore
    $server.WaitForExit(10000) | Out-Null
}
