#Requires -Version 7.4
<#
.SYNOPSIS
    Issue 5's speed bench: a -Rows-row, 10-column CSV validated (JSON Schema and column rules),
    transformed and loaded, by Start-DataPipeline into SQLite against Import-Csv | ForEach-Object |
    Export-Csv and a pandas script doing the same checks and transform, in the same run. Prints a
    Markdown table with ratios.
.DESCRIPTION
    The CSV is generated into a temporary folder: id, customer, email, quantity, unit_price,
    order_date, ship_date, status, country, note. Four rows in every 1,000 are bad, each for one
    reason (quantity 0, an email without '@', a status outside the allowed set, an impossible date),
    so every contender must reject the same rows.
    Checks: id an integer, unique, required; email required and matching ^[^@\s]+@[^@\s]+$;
    quantity a required integer in 1..1000; unit_price a decimal >= 0; order_date a date; status one
    of new, paid, shipped. Transform: total = quantity * unit_price, note dropped.
    Each contender runs in its own fresh process (pwsh with the module imported; python3) and
    reports its own figures: work time and CPU time (user+system, all threads) from the first read
    to the last write, so process start, module import and the pandas import are left out; and peak
    resident memory of the whole process
    (VmHWM from /proc/self/status). The bench fails unless all three load the same number of rows
    and reject the same number.
    python3-pandas comes from Debian (apt-get) when it is missing.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Rows = 1000000,
    # Leave the peers out (for ours at 10,000,000 rows, where the peers would only repeat themselves).
    [switch] $OursOnly
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..' 'health' 'BenchSupport.psm1') -Force
Set-StrictMode -Version Latest

$ModulePath = (Resolve-Path $ModulePath).Path
$pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
# Debian's python3, the one python3-pandas installs into (a python3 earlier on PATH may be another).
$python = (Test-Path /usr/bin/python3) ? '/usr/bin/python3' : 'python3'
if (-not $OursOnly) {
    & $python -c 'import pandas' 2>$null
    if ($LASTEXITCODE -ne 0) {
        if (-not $IsLinux -or -not (Test-Path /usr/bin/apt-get)) { throw 'python3-pandas is missing and there is no apt-get to install it.' }
        Write-Host 'Installing Debian package python3-pandas'
        $env:DEBIAN_FRONTEND = 'noninteractive'
        Invoke-Native apt-get @('update', '-qq') | Out-Null
        Invoke-Native apt-get @('install', '-y', '-qq', '--no-install-recommends', 'python3-pandas') | Out-Null
    }
}

$work = Join-Path ([System.IO.Path]::GetTempPath()) ('pipeline-bench-' + [guid]::NewGuid().ToString('n'))
New-Item -ItemType Directory $work | Out-Null
try {
    # The data: 4 bad rows per 1,000, one reason each.
    $csv = Join-Path $work 'orders.csv'
    $writer = [System.IO.StreamWriter]::new($csv, $false, [System.Text.UTF8Encoding]::new($false), 1 -shl 20)
    try {
        $writer.Write("id,customer,email,quantity,unit_price,order_date,ship_date,status,country,note`n")
        $statuses = 'new', 'paid', 'shipped'
        $countries = 'FR', 'JP', 'US', 'DE', 'BR'
        $inv = [System.Globalization.CultureInfo]::InvariantCulture
        $day = [datetime]'2026-01-01'
        $line = [System.Text.StringBuilder]::new(128)
        for ($i = 1; $i -le $Rows; $i++) {
            $bad = $i % 1000
            $quantity = $bad -eq 7 ? 0 : $i % 50 + 1
            $email = $bad -eq 137 ? "user$i.example.com" : "user$i@example.com"
            $status = $bad -eq 523 ? 'lost' : $statuses[$i % 3]
            $orderDate = $bad -eq 911 ? '2026-02-30' : $day.AddDays($i % 330).ToString('yyyy-MM-dd', $inv)
            $shipDate = $i % 3 -eq 2 ? $day.AddDays($i % 330 + 2).ToString('yyyy-MM-dd', $inv) : ''
            $note = $i % 10 -eq 0 ? "`"note $i, with a comma`"" : "note $i"
            $price = (($i * 7919) % 100000 / 100).ToString('0.00', $inv)
            [void]$line.Clear().Append($i).Append(',customer ').Append($i).Append(',').Append($email).Append(',').Append($quantity).Append(',').Append($price).
                Append(',').Append($orderDate).Append(',').Append($shipDate).Append(',').Append($status).Append(',').Append($countries[$i % 5]).Append(',').Append($note).Append("`n")
            $writer.Write($line)
        }
    }
    finally {
        $writer.Dispose()
    }
    Set-Content (Join-Path $work 'schema.json') @'
{ "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "required": ["id", "email", "quantity"],
  "properties": { "id": { "type": "integer" }, "email": { "type": "string", "minLength": 3 }, "quantity": { "type": "integer", "minimum": 1, "maximum": 1000 } } }
'@
    Set-Content (Join-Path $work 'orders.psd1') @'
@{
    Name = 'orders-bench'
    Source = @{ Type = 'Csv'; Path = 'orders.csv' }
    Validation = @{
        Schema = 'schema.json'
        Columns = @{
            id = @{ Type = 'integer'; Nullable = $false; Unique = $true }
            email = @{ Nullable = $false; Pattern = '^[^@\s]+@[^@\s]+$' }
            quantity = @{ Type = 'integer'; Nullable = $false; Minimum = 1; Maximum = 1000 }
            unit_price = @{ Type = 'decimal'; Minimum = 0 }
            order_date = @{ Type = 'date' }
            status = @{ Allowed = 'new', 'paid', 'shipped' }
        }
    }
    Transforms = @( @{ Derive = @{ total = 'quantity * unit_price' } }, @{ Drop = 'note' } )
    Sink = @{ Type = 'Sqlite'; Path = 'orders.db'; Table = 'orders'; Key = 'id' }
}
'@
    $hwm = '(([regex]::Match((Get-Content -Raw /proc/self/status), ''VmHWM:\s+(\d+)'')).Groups[1].Value -as [long]) * 1KB'
    Set-Content (Join-Path $work 'ours.ps1') @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($ModulePath -replace "'", "''")'
`$cpu = [System.Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime
`$clock = [System.Diagnostics.Stopwatch]::StartNew()
`$run = Start-DataPipeline (Join-Path `$PSScriptRoot 'orders.psd1') -StatePath (Join-Path `$PSScriptRoot 'state')
`$seconds = `$clock.Elapsed.TotalSeconds
`$cpuSeconds = ([System.Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime - `$cpu).TotalSeconds
if (`$run.Status -notin 'Succeeded', 'CompletedWithRejections') { throw "Start-DataPipeline ended `$(`$run.Status): `$(`$run.Error)" }
[pscustomobject]@{ Loaded = `$run.Loaded; Rejected = `$run.Rejected; Seconds = `$seconds; CpuSeconds = `$cpuSeconds; PeakBytes = $hwm } | ConvertTo-Json -Compress
"@
    Set-Content (Join-Path $work 'import-csv.ps1') @"
`$ErrorActionPreference = 'Stop'
`$inv = [System.Globalization.CultureInfo]::InvariantCulture
`$cpu = [System.Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime
`$clock = [System.Diagnostics.Stopwatch]::StartNew()
`$seen = [System.Collections.Generic.HashSet[long]]::new()
`$rejected = [System.Collections.Generic.List[object]]::new()
`$allowed = [System.Collections.Generic.HashSet[string]]::new([string[]]('new', 'paid', 'shipped'))
`$loaded = 0
Import-Csv (Join-Path `$PSScriptRoot 'orders.csv') | ForEach-Object {
    `$id = 0L; `$quantity = 0; `$price = 0d; `$date = [datetime]::MinValue
    `$ok = [long]::TryParse(`$_.id, [System.Globalization.NumberStyles]::Integer, `$inv, [ref]`$id) -and
        `$_.email -match '^[^@\s]+@[^@\s]+$' -and `$_.email.Length -ge 3 -and
        [int]::TryParse(`$_.quantity, [System.Globalization.NumberStyles]::Integer, `$inv, [ref]`$quantity) -and `$quantity -ge 1 -and `$quantity -le 1000 -and
        (`$_.unit_price -eq '' -or ([decimal]::TryParse(`$_.unit_price, [System.Globalization.NumberStyles]::Number, `$inv, [ref]`$price) -and `$price -ge 0)) -and
        (`$_.order_date -eq '' -or [datetime]::TryParseExact(`$_.order_date, 'yyyy-MM-dd', `$inv, [System.Globalization.DateTimeStyles]::None, [ref]`$date)) -and
        (`$_.status -eq '' -or `$allowed.Contains(`$_.status)) -and
        `$seen.Add(`$id)
    if (-not `$ok) { `$rejected.Add(`$_); return }
    `$loaded++
    [pscustomobject]@{ id = `$id; customer = `$_.customer; email = `$_.email; quantity = `$quantity; unit_price = `$price; order_date = `$_.order_date
        ship_date = `$_.ship_date; status = `$_.status; country = `$_.country; total = `$quantity * `$price }
} | Export-Csv (Join-Path `$PSScriptRoot 'import-csv-out.csv') -NoTypeInformation -UseQuotes AsNeeded
`$rejected | Export-Csv (Join-Path `$PSScriptRoot 'import-csv-rejected.csv') -NoTypeInformation -UseQuotes AsNeeded
`$seconds = `$clock.Elapsed.TotalSeconds
`$cpuSeconds = ([System.Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime - `$cpu).TotalSeconds
[pscustomobject]@{ Loaded = `$loaded; Rejected = `$rejected.Count; Seconds = `$seconds; CpuSeconds = `$cpuSeconds; PeakBytes = $hwm } | ConvertTo-Json -Compress
"@
    Set-Content (Join-Path $work 'peer_pandas.py') @'
import json, os, re, sqlite3, sys, time
import pandas as pd

here = os.path.dirname(os.path.abspath(__file__))
start, cpu = time.perf_counter(), time.process_time()
df = pd.read_csv(os.path.join(here, "orders.csv"), dtype=str, keep_default_na=False)
integer = r"[+-]?\d+"
ids = pd.to_numeric(df["id"].where(df["id"].str.fullmatch(integer)), errors="coerce")
quantity = pd.to_numeric(df["quantity"].where(df["quantity"].str.fullmatch(integer)), errors="coerce")
price = pd.to_numeric(df["unit_price"].where(df["unit_price"].str.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)")), errors="coerce")
order_date = pd.to_datetime(df["order_date"], format="%Y-%m-%d", errors="coerce")
ok = (ids.notna()
      & df["email"].str.fullmatch(r"[^@\s]+@[^@\s]+") & (df["email"].str.len() >= 3)
      & quantity.between(1, 1000)
      & ((df["unit_price"] == "") | (price >= 0))
      & ((df["order_date"] == "") | order_date.notna())
      & ((df["status"] == "") | df["status"].isin(["new", "paid", "shipped"])))
# Unique id: the first valid row with an id wins, like a running set of seen ids.
ok &= ~(ids.where(ok).duplicated() & ok)
df[~ok].to_csv(os.path.join(here, "pandas-rejected.csv"), index=False)
good = df[ok].drop(columns="note")
good["id"] = ids[ok].astype("int64")
good["quantity"] = quantity[ok].astype("int64")
good["unit_price"] = price[ok]
good["total"] = good["quantity"] * good["unit_price"]
with sqlite3.connect(os.path.join(here, "pandas.db")) as db:
    good.to_sql("orders", db, index=False, if_exists="replace", chunksize=10000)
seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
with open("/proc/self/status") as status:
    peak = int(re.search(r"VmHWM:\s+(\d+)", status.read()).group(1)) * 1024
print(json.dumps({"Loaded": int(ok.sum()), "Rejected": int((~ok).sum()), "Seconds": seconds, "CpuSeconds": cpu_seconds, "PeakBytes": peak}))
'@

    function Invoke-Contender([string] $Name, [string] $FilePath, [string[]] $Arguments) {
        Write-Host "Running $Name"
        $json = Invoke-Native $FilePath $Arguments | Select-Object -Last 1
        $result = $json | ConvertFrom-Json
        Write-Host "  $json"
        [pscustomobject]@{ Name = $Name; Loaded = [long]$result.Loaded; Rejected = [long]$result.Rejected; Seconds = [double]$result.Seconds; CpuSeconds = [double]$result.CpuSeconds; PeakBytes = [long]$result.PeakBytes }
    }

    $loadAtStart = (Get-Content -Raw /proc/loadavg).Split(' ')[0..2] -join ' '
    $results = [System.Collections.Generic.List[object]]::new()
    $results.Add((Invoke-Contender 'Start-DataPipeline -> SQLite' $pwsh @('-NoProfile', '-NonInteractive', '-File', (Join-Path $work 'ours.ps1'))))
    if (-not $OursOnly) {
        $results.Add((Invoke-Contender 'pandas -> SQLite' $python @((Join-Path $work 'peer_pandas.py'))))
        $results.Add((Invoke-Contender 'Import-Csv | ForEach-Object | Export-Csv' $pwsh @('-NoProfile', '-NonInteractive', '-File', (Join-Path $work 'import-csv.ps1'))))
    }
    $ours = $results[0]
    foreach ($other in $results) {
        if ($other.Loaded + $other.Rejected -ne $Rows) { throw "$($other.Name) accounted for $($other.Loaded + $other.Rejected) rows of $Rows." }
        if ($other.Loaded -ne $ours.Loaded -or $other.Rejected -ne $ours.Rejected) {
            throw "$($other.Name) loaded $($other.Loaded) and rejected $($other.Rejected); Start-DataPipeline loaded $($ours.Loaded) and rejected $($ours.Rejected)."
        }
    }
    $load = (Get-Content -Raw /proc/loadavg).Split(' ')[0..2] -join ' '
    ''
    "$('{0:N0}' -f $Rows) rows, $($ours.Loaded) loaded, $($ours.Rejected) rejected by each; $([Environment]::ProcessorCount) cores, load average $loadAtStart at the start, $load at the end"
    ''
    # Per CPU-second is the figure to trust on a shared machine: the wall clock also measures the neighbours,
    # and a contender that uses both cores wins on rows/s without doing the work with less.
    '| contender | seconds | rows/s | ours / it (speed) | CPU s | rows per CPU-second | ours / it (per CPU-second) | peak RSS MiB | it / ours (memory) |'
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|'
    foreach ($r in $results) {
        $rate = $Rows / $r.Seconds
        '| {0} | {1:N1} | {2:N0} | {3:N2}x | {4:N1} | {5:N0} | {6:N2}x | {7:N0} | {8:N2}x |' -f ($r.Name -replace '\|', '\|'), $r.Seconds, $rate, ($r.Seconds / $ours.Seconds), $r.CpuSeconds,
            ($Rows / $r.CpuSeconds), ($r.CpuSeconds / $ours.CpuSeconds), ($r.PeakBytes / 1MB), ($r.PeakBytes / $ours.PeakBytes)
    }
}
finally {
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
