#Requires -Version 7.4
<#
.SYNOPSIS
    /metrics with 10,000 series: Start-MetricsServer against node_exporter serving the same
    series, in the same run. Prints a Markdown table of scrape latency, allocation and CPU per
    scrape, with ratios.
.DESCRIPTION
    A fresh pwsh (Serve-ModuleMetrics.ps1) fills the module's registry with -Series counter
    series, writes the identical exposition as a textfile-collector file, and serves the registry
    with Start-MetricsServer -ExcludeSystemMetrics. node_exporter from Debian (installed with
    apt-get when missing) serves that file with every other collector disabled, so both answer the
    same series (node_exporter adds its own ~40 go_*/process_* series). Both listen on 127.0.0.1
    and are stopped by PID.
    Each side gets 5 warm-up scrapes, then -Rounds scrapes, alternating between the two, each
    read to the end by one HttpClient with a kept-alive connection. Latency is the median per
    scrape. Allocation per scrape is the server's own figure: GC.GetTotalAllocatedBytes of the pwsh
    process (asked over its standard input) and go_memstats_alloc_bytes_total of node_exporter
    (read from its scrapes), each divided by the scrapes between the readings. CPU per scrape is
    user+system time from /proc/<pid>/stat over the measured rounds.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Series = 10000,
    [int] $Rounds = 50
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..' 'health' 'BenchSupport.psm1') -Force
Set-StrictMode -Version Latest

Install-DebianPackage prometheus-node-exporter prometheus-node-exporter

function Get-Median([double[]] $Values) {
    $sorted = $Values | Sort-Object
    $middle = [int][Math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
}

# CPU seconds (user + system) a process has used, from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s).
function Get-CpuSeconds([int] $ProcessId) {
    $stat = Get-Content "/proc/$ProcessId/stat" -Raw
    $fields = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
    ([double]$fields[11] + [double]$fields[12]) / 100
}

function Get-SeriesCount([string] $Body) { @($Body -split "`n" | Where-Object { $_ -and -not $_.StartsWith('#') }).Count }

$work = New-Item -ItemType Directory (Join-Path ([System.IO.Path]::GetTempPath()) "ops-bench-exposition-$PID") -Force
$started = [System.Collections.Generic.List[System.Diagnostics.Process]]::new()
$client = [System.Net.Http.HttpClient]::new()
try {
    $oursPort = Get-FreeTcpPort
    $pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $info = [System.Diagnostics.ProcessStartInfo]::new($pwsh)
    foreach ($argument in '-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'Serve-ModuleMetrics.ps1'), '-ModulePath', (Resolve-Path $ModulePath).Path,
        '-Port', $oursPort, '-TextFileDirectory', $work.FullName, '-Series', $Series) { $info.ArgumentList.Add([string]$argument) }
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.UseShellExecute = $false
    $info.Environment['OPS_STATE_PATH'] = Join-Path $work 'state'
    $ours = [System.Diagnostics.Process]::Start($info)
    $started.Add($ours)
    $ready = $ours.StandardOutput.ReadLine()
    if ($ready -notlike 'ready *') { throw "Serve-ModuleMetrics.ps1 did not start (exit code $(if ($ours.HasExited) { $ours.ExitCode }))." }
    $oursUrl = $ready.Split(' ')[1]

    $nodePort = Get-FreeTcpPort
    $node = Start-Process -FilePath (Get-Command prometheus-node-exporter).Source -PassThru `
        -ArgumentList "--web.listen-address=127.0.0.1:$nodePort", '--collector.disable-defaults', '--collector.textfile', "--collector.textfile.directory=$($work.FullName)" `
        -RedirectStandardError (Join-Path $work 'node-exporter.log') -RedirectStandardOutput (Join-Path $work 'node-exporter.out')
    $started.Add($node)
    $nodeUrl = "http://127.0.0.1:$nodePort/metrics"
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($true) {
        try { $null = $client.GetStringAsync($nodeUrl).GetAwaiter().GetResult(); break }
        catch [System.Net.Http.HttpRequestException] {
            if ($node.HasExited -or [DateTime]::UtcNow -gt $deadline) { throw "node_exporter did not start: $(Get-Content (Join-Path $work 'node-exporter.log') -Tail 20)" }
            Start-Sleep -Milliseconds 100
        }
    }

    function Get-OursAllocated { $ours.StandardInput.WriteLine('alloc'); [double]$ours.StandardOutput.ReadLine() }
    function Get-NodeAllocated([string] $Body) { [double](($Body -split "`n" | Where-Object { $_ -like 'go_memstats_alloc_bytes_total *' }) -split ' ')[1] }
    function Measure-Scrape([string] $Url) {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $body = $client.GetStringAsync($Url).GetAwaiter().GetResult()
        [pscustomobject]@{ Ms = $watch.Elapsed.TotalMilliseconds; Body = $body }
    }

    foreach ($i in 1..5) { $oursBody = (Measure-Scrape $oursUrl).Body; $nodeBody = (Measure-Scrape $nodeUrl).Body }
    $oursSeries = Get-SeriesCount $oursBody
    $nodeSeries = Get-SeriesCount $nodeBody
    if ($oursSeries -lt $Series -or $nodeSeries -lt $Series) { throw "Expected at least $Series series from both; got $oursSeries (ours) and $nodeSeries (node_exporter)." }

    $oursMs = [System.Collections.Generic.List[double]]::new()
    $nodeMs = [System.Collections.Generic.List[double]]::new()
    $oursAllocBefore = Get-OursAllocated
    $oursCpuBefore = Get-CpuSeconds $ours.Id
    $nodeCpuBefore = Get-CpuSeconds $node.Id
    $nodeAllocBefore = $null; $nodeAllocAfter = $null
    foreach ($round in 1..$Rounds) {
        $scrape = Measure-Scrape $oursUrl
        $oursMs.Add($scrape.Ms)
        $scrape = Measure-Scrape $nodeUrl
        $nodeMs.Add($scrape.Ms)
        # Each node_exporter figure is read while serving its scrape: first to last spans Rounds - 1 scrapes.
        if ($round -eq 1) { $nodeAllocBefore = Get-NodeAllocated $scrape.Body }
        if ($round -eq $Rounds) { $nodeAllocAfter = Get-NodeAllocated $scrape.Body }
    }
    $oursCpu = (Get-CpuSeconds $ours.Id) - $oursCpuBefore
    $nodeCpu = (Get-CpuSeconds $node.Id) - $nodeCpuBefore
    $oursAlloc = ((Get-OursAllocated) - $oursAllocBefore) / $Rounds
    $nodeAlloc = ($nodeAllocAfter - $nodeAllocBefore) / ($Rounds - 1)
    $oursMedian = Get-Median $oursMs
    $nodeMedian = Get-Median $nodeMs

    "| $Series series, $Rounds scrapes each | series served | bytes | median ms | MiB allocated per scrape | CPU ms per scrape |"
    '|---|---|---|---|---|---|'
    '| Start-MetricsServer -ExcludeSystemMetrics | {0} | {1} | {2:0.00} | {3:0.00} | {4:0.0} |' -f $oursSeries, $oursBody.Length, $oursMedian, ($oursAlloc / 1MB), ($oursCpu * 1000 / $Rounds)
    '| node_exporter, textfile collector only | {0} | {1} | {2:0.00} | {3:0.00} | {4:0.0} |' -f $nodeSeries, $nodeBody.Length, $nodeMedian, ($nodeAlloc / 1MB), ($nodeCpu * 1000 / $Rounds)
    ''
    'node_exporter / ours: latency {0:0.00}x, allocation {1:0.00}x, CPU {2:0.00}x (above 1: ours is cheaper)' -f ($nodeMedian / $oursMedian), ($nodeAlloc / $oursAlloc), ($nodeCpu / [Math]::Max($oursCpu, 0.001))
    $ours.StandardInput.WriteLine('exit')
    $ours.WaitForExit(10000) | Out-Null
}
finally {
    $client.Dispose()
    foreach ($process in @($started)) { Stop-Started $process $started }
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
