#Requires -Version 7.4
<#
.SYNOPSIS
    Issue 13's correlation bench: -Signals health results (default 10,000) piped into New-Incident
    in one run, against a plain PowerShell hashtable grouping the same objects by fingerprint, in
    the same run. Prints a Markdown table with ratios.
.DESCRIPTION
    The signals are HealthCheckResult objects of -Services services (default 500), 20 per service
    by default, three in four firing (Unhealthy), the rest Healthy, in a shuffled order with a
    fixed seed, built before any clock starts. Contenders, each in a fresh pwsh of its own with the
    module imported:
    - $signals | New-Incident, first run: an empty state store; every failing service opens an
      incident and every later signal of it joins (fingerprints, timelines, signal caps, one write
      transaction); each object goes through the cmdlet's per-record step (OpsCmdlet's pump);
    - New-Incident -InputObject $signals, first run: the same, all objects in one call, so what is
      measured is the correlation engine and the store;
    - the same, second run: the same signals again into the store of the first run, so every
      signal joins an existing incident (the steady state of a scheduled task);
    - the same with -CatalogPath: a catalog in which each service depends on the one before it in
      groups of ten (DependsOn correlation and likely causes);
    - the peer: foreach over the objects into a hashtable of fingerprint -> List (health:<name>,
      lower-cased), counting firing and clear: what a script that only groups would do, with no
      state, no timeline and nothing written.
    Each reports its wall time from the first object in to the last object out, and the peak
    resident memory of the whole process (VmHWM from /proc/self/status). The bench fails unless
    each New-Incident run reports as many incidents as the peer counts failing fingerprints.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Signals = 10000,
    [int] $Services = 500,
    [int] $Rounds = 3
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$ModulePath = (Resolve-Path $ModulePath).Path
$pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
$work = Join-Path ([IO.Path]::GetTempPath()) "incident-bench-$PID"
New-Item -ItemType Directory $work -Force | Out-Null

# The catalog of the DependsOn contender: svc-N depends on svc-(N-1) inside each group of ten.
$catalog = Join-Path $work 'services.psd1'
$entries = foreach ($n in 0..($Services - 1)) {
    $dependsOn = if ($n % 10 -ne 0) { "; DependsOn = 'svc-$($n - 1)'" } else { '' }
    "    @{ Name = 'svc-$n'; Kind = 'Tcp'; Target = '127.0.0.1:1'$dependsOn }"
}
Set-Content $catalog "@{ Services = @(`n$($entries -join "`n")`n) }"

# Each contender's script: build the signals (untimed), then time the work and read VmHWM.
$prologue = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$random = [Random]::new(13)
`$now = [datetimeoffset]::UtcNow
`$signals = [System.Collections.Generic.List[object]]::new($Signals)
for (`$i = 0; `$i -lt $Signals; `$i++) {
    `$service = 'svc-' + (`$i % $Services)
    `$failing = (`$i % $Services) % 4 -ne 3
    `$status = if (`$failing -and `$random.NextDouble() -lt 0.9) { 'Unhealthy' } else { 'Healthy' }
    `$signals.Add([OpsAutomation.Models.Health.HealthCheckResult]@{ Name = `$service; Kind = 'Tcp'; Target = '127.0.0.1:1'; Status = `$status
        StatusCode = `$null; RunId = 'bench'; Timestamp = `$now.AddMilliseconds(`$i); Severity = 'Error'; Error = if (`$status -eq 'Healthy') { `$null } else { 'Connection refused' } })
}
`$order = [object[]]`$signals.ToArray(); `$random.Shuffle(`$order)
[GC]::Collect()
function Get-Peak { ([regex]::Match((Get-Content -Raw /proc/self/status), 'VmHWM:\s+(\d+)').Groups[1].Value -as [long]) * 1KB }
"@

$contenders = [ordered]@{
    '$signals | New-Incident, first run (empty store)' = @'
$state = Join-Path $args[0] ('piped-' + [guid]::NewGuid())
$clock = [Diagnostics.Stopwatch]::StartNew()
$out = @($order | New-Incident -StatePath $state)
$clock.Stop()
"$($clock.Elapsed.TotalSeconds) $(Get-Peak) $($out.Count)"
'@
    'New-Incident -InputObject $signals, first run (empty store)' = @'
$state = Join-Path $args[0] ('first-' + [guid]::NewGuid())
$clock = [Diagnostics.Stopwatch]::StartNew()
$out = @(New-Incident -InputObject $order -StatePath $state)
$clock.Stop()
"$($clock.Elapsed.TotalSeconds) $(Get-Peak) $($out.Count)"
'@
    'New-Incident -InputObject $signals, second run (every signal joins)' = @'
$state = Join-Path $args[0] ('second-' + [guid]::NewGuid())
$null = New-Incident -InputObject $order -StatePath $state
[GC]::Collect()
$clock = [Diagnostics.Stopwatch]::StartNew()
$out = @(New-Incident -InputObject $order -StatePath $state)
$clock.Stop()
"$($clock.Elapsed.TotalSeconds) $(Get-Peak) $(@($out | Where-Object State -NE Resolved).Count)"
'@
    'New-Incident -InputObject $signals -CatalogPath (DependsOn), first run' = @'
$state = Join-Path $args[0] ('depends-' + [guid]::NewGuid())
$clock = [Diagnostics.Stopwatch]::StartNew()
$out = @(New-Incident -InputObject $order -StatePath $state -CatalogPath $args[1])
$clock.Stop()
# Joined dependents make fewer incidents: report the fingerprints they hold.
"$($clock.Elapsed.TotalSeconds) $(Get-Peak) $(@($out.Signals.Fingerprint | Sort-Object -Unique).Count)"
'@
    'peer: hashtable grouping by fingerprint' = @'
$clock = [Diagnostics.Stopwatch]::StartNew()
$groups = @{}
foreach ($signal in $order) {
    $fingerprint = 'health:' + $signal.Name.ToLowerInvariant()
    $group = $groups[$fingerprint]
    if ($null -eq $group) { $group = $groups[$fingerprint] = [System.Collections.Generic.List[object]]::new() }
    $group.Add($signal)
}
$firing = @($groups.Keys | Where-Object { @($groups[$_] | Where-Object Status -NE 'Healthy').Count -gt 0 }).Count
$clock.Stop()
"$($clock.Elapsed.TotalSeconds) $(Get-Peak) $firing"
'@
}

$results = [ordered]@{}
foreach ($name in $contenders.Keys) {
    $script = Join-Path $work (($name -replace '[^A-Za-z]+', '-') + '.ps1')
    Set-Content $script ($prologue + "`n" + $contenders[$name])
    $measured = foreach ($round in 1..$Rounds) {
        $line = & $pwsh -NoProfile -NonInteractive -File $script $work $catalog
        if ($LASTEXITCODE -ne 0) { throw "$name failed (exit $LASTEXITCODE): $line" }
        $seconds, $peak, $count = ("$line" -split ' ')
        [pscustomobject]@{ Seconds = [double]$seconds; Peak = [long]$peak; Count = [int]$count }
    }
    $median = $measured | Sort-Object Seconds | Select-Object -Index ([int][Math]::Floor($Rounds / 2))
    $results[$name] = $median
    Write-Host ("{0}: {1:0.000} s, peak {2:0} MiB, {3} incidents/fingerprints" -f $name, $median.Seconds, ($median.Peak / 1MB), $median.Count)
}

$peer = $results['peer: hashtable grouping by fingerprint']
foreach ($name in $results.Keys | Where-Object { $_ -like '*New-Incident*' }) {
    if ($results[$name].Count -ne $peer.Count) { throw "$name reports $($results[$name].Count) failing fingerprints, the peer $($peer.Count)." }
}

"| $Signals signals, $Services services (median of $Rounds) | seconds | ratio to the peer | peak memory (MiB) |"
'|---|---|---|---|'
foreach ($name in $results.Keys) {
    $r = $results[$name]
    '| {0} | {1:0.000} | {2:0.#}x | {3:0} |' -f ($name -replace '\|', '\|'), $r.Seconds, ($r.Seconds / $peer.Seconds), ($r.Peak / 1MB)
}
Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
