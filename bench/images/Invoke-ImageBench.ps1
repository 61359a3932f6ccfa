#Requires -Version 7.4
<#
.SYNOPSIS
    Issue 12's build-and-push bench: Build-ContainerImage | Publish-ContainerImage against
    `docker build && docker push` on the same engine and registry, in the same run. Prints a
    Markdown table with the ratio.
.DESCRIPTION
    The sample context (a temporary folder): a Dockerfile FROM scratch copying Debian's static
    busybox, 200 small text files and a 4 MiB file of random bytes that is new in every round, so
    each round builds and pushes a new layer while the others are cached and already pushed, as a
    service's rebuild after a code change is.
    Both sides use the engine of OPS_TEST_DOCKER_HOST and the registry of OPS_TEST_REGISTRY (with
    htpasswd authentication); when they are not set, the script starts them with
    tests/services/TestServices.psm1 (Start-TestDocker, root only) and stops them at the end.
    The docker CLI logs in once into a temporary DOCKER_CONFIG; ours gets -Credential. Each round
    times both sides, in alternating order, each from its first command to its last answer (ours
    includes the registry's digest confirmation, the CLI does none); the table gives the medians.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Rounds = 5
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath

$services = $null
if (-not $env:OPS_TEST_DOCKER_HOST) {
    Import-Module (Join-Path $PSScriptRoot '..' '..' 'tests' 'services' 'TestServices.psm1')
    $services = Start-TestDocker
}
$work = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "ops-image-bench-$PID") -Force
try {
    $context = New-Item -ItemType Directory (Join-Path $work 'context') -Force
    Copy-Item /usr/bin/busybox (Join-Path $context 'busybox')
    $files = New-Item -ItemType Directory (Join-Path $context 'files') -Force
    foreach ($i in 1..200) { Set-Content (Join-Path $files "file-$i.txt") ("line $i`n" * 50) }
    Set-Content (Join-Path $context 'Dockerfile') "FROM scratch`nCOPY busybox /bin/busybox`nCOPY files /files`nCOPY round.bin /round.bin`n"
    $registry = $env:OPS_TEST_REGISTRY
    $credential = [pscredential]::new($env:OPS_TEST_REGISTRY_USER, (ConvertTo-SecureString $env:OPS_TEST_REGISTRY_PASSWORD -AsPlainText -Force))
    $dockerHost = $env:OPS_TEST_DOCKER_HOST
    $env:DOCKER_CONFIG = New-Item -ItemType Directory (Join-Path $work 'docker-config') -Force
    $env:OPS_TEST_REGISTRY_PASSWORD | & docker --host $dockerHost login $registry --username $env:OPS_TEST_REGISTRY_USER --password-stdin | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "docker login $registry failed with $LASTEXITCODE." }

    function New-RoundFile {
        $bytes = [byte[]]::new(4MB)
        [Random]::Shared.NextBytes($bytes)
        [IO.File]::WriteAllBytes((Join-Path $context 'round.bin'), $bytes)
    }

    function Measure-Ours([string] $Tag) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $published = Build-ContainerImage $context -Tag $Tag -DockerHost $dockerHost -NoGitLabel | Publish-ContainerImage -Credential $credential -DockerHost $dockerHost
        $clock.Stop()
        if ($published.Digest -notlike 'sha256:*') { throw "Publish-ContainerImage returned no digest for $Tag." }
        $clock.Elapsed.TotalSeconds
    }

    function Measure-Cli([string] $Tag) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        & docker --host $dockerHost build --quiet -t $Tag $context | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "docker build failed with $LASTEXITCODE." }
        & docker --host $dockerHost push --quiet $Tag | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "docker push failed with $LASTEXITCODE." }
        $clock.Stop()
        $clock.Elapsed.TotalSeconds
    }

    # A warm-up round each: the busybox and files layers are then cached and in the registry for both.
    New-RoundFile
    Measure-Ours "$registry/bench/ours:warmup" | Out-Null
    Measure-Cli "$registry/bench/cli:warmup" | Out-Null

    $ours = [Collections.Generic.List[double]]::new()
    $cli = [Collections.Generic.List[double]]::new()
    foreach ($round in 1..$Rounds) {
        $first, $second = if ($round % 2) { 'ours', 'cli' } else { 'cli', 'ours' }
        foreach ($side in $first, $second) {
            New-RoundFile
            if ($side -eq 'ours') { $ours.Add((Measure-Ours "$registry/bench/ours:r$round")) }
            else { $cli.Add((Measure-Cli "$registry/bench/cli:r$round")) }
        }
    }
    $median = { param($values) $sorted = @($values | Sort-Object); $sorted[[int][Math]::Floor($sorted.Count / 2)] }
    $oursMedian = & $median $ours
    $cliMedian = & $median $cli
    "| Build and push, new 4 MiB layer per round (median of $Rounds) | seconds | ratio to ours |"
    '|---|---|---|'
    '| Build-ContainerImage \| Publish-ContainerImage (digest confirmed) | {0:0.000} | 1.0 |' -f $oursMedian
    '| docker build && docker push | {0:0.000} | {1:0.00}x |' -f $cliMedian, ($cliMedian / $oursMedian)
    ''
    "Rounds, ours: $(($ours | ForEach-Object { '{0:0.000}' -f $_ }) -join ', '); docker CLI: $(($cli | ForEach-Object { '{0:0.000}' -f $_ }) -join ', ')"
}
finally {
    Remove-Item env:DOCKER_CONFIG -ErrorAction Ignore
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
    if ($services) { Stop-TestDocker $services }
}
