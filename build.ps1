#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests and runs OpsAutomation.
.DESCRIPTION
    Build  publishes the module into output/OpsAutomation/<version>/: the two assemblies
           PowerShell sees, the manifest, format and types files, generated MAML help, and
           every other assembly under Dependencies/ (loaded in a private load context). In
           Release, every assembly is also compiled ahead of time (ReadyToRun) for this OS, CPU
           and .NET major, which shortens a scheduled run's first check.
    Test   builds, starts the real services the tests need on 127.0.0.1 (installing their
           Debian packages when missing), runs xunit and Pester, stops the services and prints
           'N passed, N failed, N skipped' as its last line. Exits non-zero on any failure, and
           on any skip that is not for the platform (an xunit skip reason starting 'Platform:', a
           Pester test tagged 'Platform').
    Run    builds, starts a local stack on 127.0.0.1 (tests/services: the Kubernetes sandbox, the real
           Prometheus, Alertmanager and Pushgateway, the Elasticsearch, Kibana and Grafana stand-ins, and
           as root on Linux a Docker engine with a registry; Debian packages installed when missing),
           runs examples/story/Invoke-OpsStory.ps1 against it in a fresh pwsh with the built module
           (deploy, health and /metrics, a data pipeline, a failed canary, the incident it opens, alert
           rules), prints where its landing page is (output/story/index.html), and stops everything
           it started by PID, also on Ctrl+C. Each run has its own state store in the temp folder.
           -KeepRunning leaves the stack up until Ctrl+C and prints the commands to point a session at it.
    Bench  builds, then runs the benchmarks in bench/ and prints their figures.
    Sandbox builds and starts the Kubernetes sandbox in the foreground on 127.0.0.1: its first line
           is 'kubeconfig: <path>', then the URLs it serves; Ctrl+C or SIGTERM stops it. Arguments
           after the task go to the sandbox (--port, --kubeconfig, --speed, --watch-window,
           --bookmark-seconds; docs/sandbox.md).
    Package builds, then writes output/OpsAutomation.<version>.nupkg: the built module as the
           PowerShell Gallery takes it, for Publish-PSResource -NupkgPath or a local repository
           (Register-PSResourceRepository -Uri <folder>; Install-PSResource OpsAutomation).
    Clean  removes output/ and every bin/ and obj/.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Run -KeepRunning
.EXAMPLE
    dotnet pwsh ./build.ps1 Sandbox --speed 60
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Run', 'Bench', 'Package', 'Sandbox', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Where the repository's files are published (such as https://example.org/OpsAutomation/blob/main/):
    # each cmdlet's HelpUri, docs/<Cmdlet>.md, becomes its Get-Help -Online address under it. The
    # project has no public home yet, so by default the help has no online version.
    [uri] $HelpBaseUri,

    # For the Run task: leave the stack up after the story, until Ctrl+C.
    [switch] $KeepRunning,

    # For the Bench task: run only these benchmarks, by folder of bench/ (health, coldstart, pipelines ...).
    [string[]] $Benchmark,

    # For the Sandbox task: the sandbox's own options (--port 6443 --speed 60 ...).
    [Parameter(ValueFromRemainingArguments)]
    [string[]] $SandboxArgument = @()
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = $PSScriptRoot
$Version = (Import-PowerShellDataFile (Join-Path $Root 'OpsAutomation.psd1')).ModuleVersion
$ModuleRoot = Join-Path $Root 'output' 'OpsAutomation'
$ModuleDir = Join-Path $ModuleRoot $Version
# The pwsh that runs this script (the local dotnet tool), for the fresh sessions the tasks start.
$Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

function Invoke-Native {
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @())
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($ArgumentList -join ' ')' exited with $LASTEXITCODE." }
}

function Get-PackagesFolder {
    $line = & dotnet nuget locals global-packages --list
    ($line -replace '^global-packages:\s*', '').Trim()
}

function Get-PinnedVersion([string] $Property) {
    [xml] $props = Get-Content (Join-Path $Root 'Directory.Packages.props') -Raw
    $props.Project.PropertyGroup.$Property | Where-Object { $_ } | Select-Object -First 1
}

# ReadyToRun: every managed assembly of the module also carries native code for this OS, CPU and .NET
# major (the one this pwsh runs on: .NET 10 for PowerShell 7.6), so a scheduled run does not JIT what
# it calls first. The IL stays in each file: any other OS, CPU or runtime ignores the native code and
# JITs as before. crossgen2 comes from the SDK's own pack for that runtime, resolved by a throwaway
# project; images are cached by content under obj/readytorun, so a rebuild compiles only what changed
# (a clean one takes about two minutes, most of it KubernetesClient).
# -Cache holds one image per input content; images not used by this call are removed from it.
# -Exclude names assemblies (wildcards) left as IL.
function Invoke-ReadyToRun([string] $Directory, [string] $Cache = (Join-Path $Root 'obj' 'readytorun' 'module'), [string[]] $Exclude = @()) {
    $work = New-Item -ItemType Directory (Join-Path $Root 'obj' 'readytorun') -Force
    $cacheDirectory = New-Item -ItemType Directory $Cache -Force
    $os = $IsWindows ? 'windows' : ($IsMacOS ? 'osx' : 'linux')
    $arch = [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString().ToLowerInvariant()
    $framework = "net$([Environment]::Version.Major).0"
    $project = Join-Path $work 'Crossgen2.csproj'
    Set-Content $project @"
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>$framework</TargetFramework>
    <RuntimeIdentifier>$($os -replace 'windows', 'win')-$arch</RuntimeIdentifier>
    <SelfContained>false</SelfContained>
    <PublishReadyToRun>true</PublishReadyToRun>
  </PropertyGroup>
</Project>
"@
    $resolved = & dotnet msbuild $project -restore -t:ResolveFrameworkReferences -getItem:ResolvedCrossgen2Pack -nologo -v:q
    if ($LASTEXITCODE -ne 0) { throw "Resolving crossgen2 for $framework failed: $resolved" }
    # The item list is the JSON at the end of the output; a restore warning may come before it.
    $text = $resolved -join "`n"
    $pack = ($text.Substring([Math]::Max(0, $text.IndexOf('{'))) | ConvertFrom-Json).Items.ResolvedCrossgen2Pack | Select-Object -First 1
    if (-not $pack) { throw "The SDK resolved no crossgen2 pack for $framework`: $text" }
    $crossgen = Join-Path $pack.PackageDirectory 'tools' ($IsWindows ? 'crossgen2.exe' : 'crossgen2')
    if (-not (Test-Path $crossgen)) { throw "The crossgen2 pack $($pack.NuGetPackageVersion) has no $crossgen." }

    $runtimeDirectory = [System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()
    # One reference per simple name: the module's own copy first (what its load context loads), then the
    # runtime's, then PowerShell's.
    $byName = [ordered]@{}
    foreach ($folder in $Directory, $runtimeDirectory, $PSHOME) {
        foreach ($file in Get-ChildItem $folder -Filter *.dll) { if (-not $byName.Contains($file.Name)) { $byName[$file.Name] = $file.FullName } }
    }
    $references = $byName.Values | ForEach-Object { '-r', $_ }
    # The image depends on the input and on what compiled it for which runtime.
    $salt = "$($pack.NuGetPackageVersion)|$os-$arch|$([Environment]::Version)"
    $saltKey = (Get-FileHash -InputStream ([IO.MemoryStream]::new([Text.Encoding]::UTF8.GetBytes($salt)))).Hash.Substring(0, 16)
    $used = [System.Collections.Generic.HashSet[string]]::new()
    foreach ($assembly in Get-ChildItem $Directory -Filter *.dll) {
        if (-not (Test-ILOnlyAssembly $assembly.FullName) -or @($Exclude | Where-Object { $assembly.Name -like $_ })) { continue }
        $key = (Get-FileHash $assembly.FullName -Algorithm SHA256).Hash + '-' + $saltKey
        $image = Join-Path $cacheDirectory "$($assembly.BaseName).$key.dll"
        if (-not (Test-Path $image)) {
            $output = & $crossgen $assembly.FullName -o "$image.tmp" --targetos $os --targetarch $arch -O @references 2>&1
            if ($LASTEXITCODE -ne 0) { throw "crossgen2 $($assembly.Name) exited with $LASTEXITCODE`: $($output -join [Environment]::NewLine)" }
            Move-Item "$image.tmp" $image -Force
        }
        Copy-Item $image $assembly.FullName -Force
        $null = $used.Add($image)
    }
    # Images of earlier builds' inputs would only pile up.
    Get-ChildItem $cacheDirectory -Filter *.dll | Where-Object { -not $used.Contains($_.FullName) } | Remove-Item -Force
}

# A managed assembly not yet compiled ahead of time (a native library or a ReadyToRun image is left as it is).
function Test-ILOnlyAssembly([string] $Path) {
    $stream = [IO.File]::OpenRead($Path)
    $reader = $null
    try {
        $reader = [System.Reflection.PortableExecutable.PEReader]::new($stream)
        $header = $reader.PEHeaders.CorHeader
        $null -ne $header -and $header.ManagedNativeHeaderDirectory.Size -eq 0
    }
    catch [BadImageFormatException] { $false }
    finally { if ($reader) { $reader.Dispose() }; $stream.Dispose() }
}

function Invoke-BuildTask {
    $publish = Join-Path $Root 'obj' 'publish'
    Remove-Item $publish, $ModuleDir -Recurse -Force -ErrorAction SilentlyContinue
    Invoke-Native dotnet @('publish', (Join-Path $Root 'src' 'OpsAutomation'), '-c', $Configuration, '-o', $publish, "-p:Version=$Version", '--nologo', '-v:q')
    if ($Configuration -eq 'Release') { Invoke-ReadyToRun $publish }

    $dependencies = New-Item -ItemType Directory (Join-Path $ModuleDir 'Dependencies') -Force
    # PowerShell sees these two; everything else the publish produced is a dependency.
    $shared = 'OpsAutomation.dll', 'OpsAutomation.Models.dll', 'OpsAutomation.pdb', 'OpsAutomation.Models.pdb', 'OpsAutomation.Models.xml'
    foreach ($item in Get-ChildItem $publish) {
        if ($item.Name -in $shared -or $item.Extension -eq '.ps1xml') {
            Copy-Item $item.FullName $ModuleDir
        }
        elseif ($item.Name -notlike '*.deps.json') {
            Copy-Item $item.FullName $dependencies -Recurse
        }
    }
    Copy-Item (Join-Path $Root 'OpsAutomation.psd1') $ModuleDir
    # The sandbox is an executable of its own, never part of the module folder.
    Invoke-Native dotnet @('build', (Join-Path $Root 'src' 'OpsAutomation.Sandbox'), '-c', $Configuration, '--nologo', '-v:q')

    $help = Join-Path $ModuleDir 'en-US' 'OpsAutomation.dll-Help.xml'
    $online = $HelpBaseUri ? @('-OnlineBaseUri', $HelpBaseUri) : @()
    Invoke-Native $Pwsh (@('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'docs' 'ConvertTo-MamlHelp.ps1'),
        '-ModulePath', (Join-Path $ModuleDir 'OpsAutomation.psd1'), '-DocsPath', (Join-Path $Root 'docs'), '-OutputPath', $help) + $online)
    Write-Host "Built OpsAutomation $Version into $ModuleDir"
}

# The built module as a .nupkg, by PSResourceGet's Compress-PSResource (shipped with PowerShell
# 7.6): the package Publish-PSResource would upload, without registering a repository.
function New-ModulePackage {
    $folder = Join-Path $Root 'output'
    $package = Join-Path $folder "OpsAutomation.$Version.nupkg"
    Remove-Item $package -Force -ErrorAction SilentlyContinue
    Import-Module Microsoft.PowerShell.PSResourceGet -MinimumVersion 1.1.0
    Compress-PSResource -Path $ModuleDir -DestinationPath $folder
    if (-not (Test-Path $package)) { throw "Compress-PSResource wrote no $package." }
    Write-Host "Packaged OpsAutomation $Version as $package"
    $package
}

function Invoke-PackageTask {
    Invoke-BuildTask
    $null = New-ModulePackage
}

# A skip is allowed only for the platform: an xunit skip reason starts with 'Platform:', a Pester
# test that skips carries the tag 'Platform'. Any other skip hides a missing check and fails the run.
$PlatformSkipPrefix = 'Platform:'

function Read-TrxCounts([string] $Path) {
    [xml] $trx = Get-Content $Path -Raw
    $counters = $trx.TestRun.ResultSummary.Counters
    $results = @($trx.TestRun.Results.UnitTestResult)
    $failures = @($results | Where-Object outcome -notin 'Passed', 'NotExecuted' |
        ForEach-Object { "$($_.testName): $($_.Output.ErrorInfo.Message)" })
    $skipped = @($results | Where-Object outcome -eq 'NotExecuted')
    $badSkips = @($skipped | ForEach-Object {
            $message = $_.SelectSingleNode("*[local-name()='Output']/*[local-name()='ErrorInfo']/*[local-name()='Message']")
            $reason = $message ? $message.InnerText.Trim() : ''
            if (-not $reason.StartsWith($PlatformSkipPrefix)) { "$($_.testName): skipped for a reason other than the platform ($reason)" }
        })
    [pscustomobject]@{
        Passed = [int] $counters.passed
        Failed = [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted + $badSkips.Count
        Skipped = $skipped.Count
        Failures = $failures + $badSkips
    }
}

function Invoke-XunitLayer([string] $Project, [string] $ResultsDir) {
    $name = Split-Path $Project -Leaf
    $trx = Join-Path $ResultsDir "$name.trx"
    # A hung test is killed and counted as failed, rather than eating the run's time limit.
    $output = [System.Collections.Generic.List[string]]::new()
    & dotnet test $Project -c $Configuration --nologo --blame-hang-timeout 5m --logger "trx;LogFileName=$trx" --logger 'console;verbosity=normal' |
        ForEach-Object { $output.Add("$_"); $_ } | Out-Host
    $exit = $LASTEXITCODE
    # A hang or crash aborts the run; the blame collector names the test that was running.
    $crashIndex = $output.FindIndex({ param($line) $line -like 'The test running when the crash occurred*' })
    $crashed = $crashIndex -ge 0 ? "$name aborted while running $($output[$crashIndex + 1].Trim())" : "$name exited with $exit"
    if (-not (Test-Path $trx)) {
        return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0; Failures = @("$crashed; no results") }
    }
    $counts = Read-TrxCounts $trx
    if ($exit -ne 0 -and $counts.Failed -eq 0) {
        $counts.Failed = 1
        $counts.Failures += $crashed
    }
    $counts
}

function Invoke-PesterLayer([string] $ResultsDir) {
    $pester = Join-Path (Get-PackagesFolder) 'pester' (Get-PinnedVersion 'PesterVersion') 'tools' 'Pester.psd1'
    $summary = Join-Path $ResultsDir 'pester-summary.json'
    $script = @'
param($PesterPath, $TestsPath, $ResultXml, $Summary)
Import-Module $PesterPath -Force
$config = New-PesterConfiguration
$config.Run.Path = $TestsPath
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputPath = $ResultXml
$result = Invoke-Pester -Configuration $config
$failures = @(
    $result.Failed | ForEach-Object { "$($_.ExpandedPath): $($_.ErrorRecord[0].Exception.Message)" }
    $result.FailedBlocks | ForEach-Object { "$($_.ExpandedPath) (block): $($_.ErrorRecord[0].Exception.Message)" }
    $result.FailedContainers | ForEach-Object { "$($_.Item) (file): $($_.ErrorRecord[0].Exception.Message)" }
)
# A test inherits the tags of the blocks around it.
function Get-InheritedTag($Item) {
    for ($node = $Item.Block; $node; $node = $node.Parent) { $node.Tag }
    $Item.Tag
}
$badSkips = @($result.Skipped | Where-Object { 'Platform' -notin @(Get-InheritedTag $_) } |
    ForEach-Object { "$($_.ExpandedPath): skipped without the tag 'Platform'" })
@{
    Passed = $result.PassedCount
    Failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount + $badSkips.Count
    Skipped = $result.SkippedCount
    Failures = $failures + $badSkips
} |
    ConvertTo-Json | Set-Content $Summary
'@
    $runner = Join-Path $ResultsDir 'run-pester.ps1'
    Set-Content $runner $script
    & $Pwsh -NoProfile -NonInteractive -File $runner -PesterPath $pester -TestsPath (Join-Path $Root 'tests' 'pester') `
        -ResultXml (Join-Path $ResultsDir 'pester.xml') -Summary $summary | Out-Host
    if (-not (Test-Path $summary)) { return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0; Failures = @('Pester wrote no summary') } }
    Get-Content $summary -Raw | ConvertFrom-Json
}

function Invoke-TestTask {
    Invoke-BuildTask
    Invoke-Native dotnet @('restore', (Join-Path $Root 'tests' 'pester' 'TestPackages.csproj'), '--nologo', '-v:q')
    $resultsDir = New-Item -ItemType Directory (Join-Path $Root 'output' 'TestResults') -Force
    Get-ChildItem $resultsDir | Remove-Item -Recurse -Force

    Import-Module (Join-Path $Root 'tests' 'services' 'TestServices.psm1') -Force
    $env:OPS_TEST_MODULE_PATH = Join-Path $ModuleDir 'OpsAutomation.psd1'
    $env:OPS_TEST_PACKAGE_PATH = New-ModulePackage
    $env:OPS_TEST_LEGACY_YAMLDOTNET = Join-Path (Get-PackagesFolder) 'yamldotnet' (Get-PinnedVersion 'LegacyYamlDotNetVersion') 'lib' 'netstandard2.0' 'YamlDotNet.dll'
    $totals = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0; Failures = [System.Collections.Generic.List[string]]::new() }
    $services = $null
    $postgres = $null
    $docker = $null
    try {
        Install-TestTools
        $services = Start-TestServices -Services Prometheus, Pushgateway, Alertmanager, NodeExporter
        $postgres = Start-TestPostgres
        $docker = Start-TestDocker
        $layers = @(
            { Invoke-XunitLayer (Join-Path $Root 'tests' 'OpsAutomation.Core.Tests') $resultsDir }
            { Invoke-XunitLayer (Join-Path $Root 'tests' 'OpsAutomation.Module.Tests') $resultsDir }
            { Invoke-XunitLayer (Join-Path $Root 'tests' 'OpsAutomation.Sandbox.Tests') $resultsDir }
            { Invoke-PesterLayer $resultsDir }
        )
        foreach ($layer in $layers) {
            $counts = & $layer | Select-Object -Last 1
            $totals.Passed += $counts.Passed
            $totals.Failed += $counts.Failed
            $totals.Skipped += $counts.Skipped
            foreach ($failure in $counts.Failures) { $totals.Failures.Add($failure) }
        }
    }
    catch {
        $totals.Failed += 1
        $totals.Failures.Add("test run aborted: $_")
    }
    finally {
        if ($services) { Stop-TestServices $services }
        if ($postgres) { Stop-TestPostgres $postgres }
        if ($docker) { Stop-TestDocker $docker }
    }
    # The failures are repeated last, so that the tail of a long log names them.
    foreach ($failure in $totals.Failures) { Write-Output "FAILED $failure" }
    Write-Output "$($totals.Passed) passed, $($totals.Failed) failed, $($totals.Skipped) skipped"
    if ($totals.Failed -gt 0) { exit 1 }
}

# A value for a -Command string: single-quoted, its quotes doubled.
function ConvertTo-Literal([string] $Value) { "'" + $Value.Replace("'", "''") + "'" }

# The main job: the local stack of tests/services, examples/story/Invoke-OpsStory.ps1 run against it in
# a fresh pwsh, and the stack stopped by PID however this ends (Ctrl+C runs the finally block too).
function Invoke-RunTask {
    Invoke-BuildTask
    # The Elasticsearch, Kibana and Grafana stand-ins of the stack.
    Invoke-Native dotnet @('build', (Join-Path $Root 'tests' 'TestServers'), '-c', $Configuration, '--nologo', '-v:q')
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    Import-Module (Join-Path $Root 'tests' 'services' 'TestServices.psm1') -Force
    $output = Join-Path $Root 'output' 'story'
    Remove-Item $output -Recurse -Force -ErrorAction Ignore
    # Each run has a state store of its own, so that a second run tells the same story.
    $state = New-Item -ItemType Directory (Join-Path ([System.IO.Path]::GetTempPath()) "ops-story-$([guid]::NewGuid().ToString('N'))")
    $stack = $null
    # Ctrl+C runs finally blocks but no catch: what reaches finally without passing either end was interrupted.
    $interrupted = $true
    try {
        $stack = Start-TestStack
        $module = Join-Path $ModuleDir 'OpsAutomation.psd1'
        $story = [ordered]@{
            Kubeconfig = $stack.Kubeconfig; PrometheusUri = $stack.PrometheusUri; AlertmanagerUri = $stack.AlertmanagerUri
            PushgatewayUri = $stack.PushgatewayUri; ElasticsearchUri = $stack.ElasticsearchUri; KibanaUri = $stack.KibanaUri
            GrafanaUri = $stack.GrafanaUri; MetricsPort = $stack.MetricsPort; StatePath = $state.FullName; OutputPath = $output
        }
        if ($stack.Registry) { $story.Registry = $stack.Registry; $story.DockerHost = $stack.DockerHost }
        $arguments = ($story.GetEnumerator() | ForEach-Object { "-$($_.Key) $(ConvertTo-Literal "$($_.Value)")" }) -join ' '
        # The registry's password reaches the story through the environment, never a command line.
        $credential = $stack.Registry ? ' -RegistryCredential ([pscredential]::new($env:OPS_TEST_REGISTRY_USER, (ConvertTo-SecureString $env:OPS_TEST_REGISTRY_PASSWORD -AsPlainText -Force)))' : ''
        $command = "Import-Module $(ConvertTo-Literal $module); `$null = & $(ConvertTo-Literal (Join-Path $Root 'examples' 'story' 'Invoke-OpsStory.ps1')) $arguments$credential"
        Write-Host "The stack is up after $([int] $clock.Elapsed.TotalSeconds) s; the story begins."
        & $Pwsh -NoProfile -NonInteractive -Command $command
        if ($LASTEXITCODE -ne 0) { throw "The story stopped at a failed step (its error is above; pwsh exited with $LASTEXITCODE)." }
        Write-Host "`nThe stack and the story took $([int] $clock.Elapsed.TotalSeconds) s after the build."
        if ($KeepRunning) {
            $environment = [ordered]@{
                KUBECONFIG = $stack.Kubeconfig; OPS_STATE_PATH = $state.FullName; DOCKER_HOST = $stack.DockerHost
                PROMETHEUS_URL = $stack.PrometheusUri; ALERTMANAGER_URL = $stack.AlertmanagerUri; PUSHGATEWAY_URL = $stack.PushgatewayUri
                ELASTICSEARCH_URL = $stack.ElasticsearchUri; KIBANA_URL = $stack.KibanaUri; GRAFANA_URL = $stack.GrafanaUri
            }
            Write-Host "`nThe stack stays up until Ctrl+C. To point a PowerShell session at it:"
            Write-Host "    Import-Module $(ConvertTo-Literal $module)"
            foreach ($name in $environment.Keys) { if ($environment[$name]) { Write-Host "    `$env:$name = $(ConvertTo-Literal $environment[$name])" } }
            Write-Host '    Get-Incident; Get-DeploymentHistory -Name sample -Namespace shop; Get-DataPipelineRun; kubectl get pods -n shop'
            Write-Host '    Test-ServiceHealth -Uri $env:PROMETHEUS_URL -Kind Prometheus'
            if ($stack.Registry) { Write-Host "The registry is $($stack.Registry) (user $env:OPS_TEST_REGISTRY_USER; its password is in this process only)." }
            while ($true) { Start-Sleep -Seconds 1 }
        }
        $interrupted = $false
    }
    catch {
        $interrupted = $false
        throw
    }
    finally {
        if ($stack) { Stop-TestStack $stack }
        Remove-Item $state -Recurse -Force -ErrorAction Ignore
        Write-Host "Everything it started is stopped, $([int] $clock.Elapsed.TotalSeconds) s after the build."
        # As a shell reports a command stopped by SIGINT.
        if ($interrupted) { [Environment]::Exit(130) }
    }
}

function Invoke-BenchTask {
    Invoke-BuildTask
    # Each benchmark runs in a pwsh of its own against the built module, in this order.
    $benchmarks = @(
        'health/Invoke-HealthBench.ps1', 'health/Invoke-BlackboxBench.ps1', 'health/Measure-WatchMemory.ps1', 'coldstart/Measure-ColdStart.ps1',
        'metrics/Invoke-SystemMetricsBench.ps1', 'metrics/Invoke-ExpositionBench.ps1', 'promql/Invoke-PromQlBench.ps1',
        'pipelines/Invoke-PipelineBench.ps1',
        'sandbox/Invoke-SandboxBench.ps1',
        'images/Invoke-ImageBench.ps1',
        'deployments/Invoke-DeploymentBench.ps1',
        'incidents/Invoke-IncidentBench.ps1',
        'anomalies/Invoke-AnomalyBench.ps1'
    )
    foreach ($benchmark in $benchmarks | Where-Object { -not $Benchmark -or ($_ -split '/')[0] -in $Benchmark }) {
        $extra = $benchmark -like 'coldstart/*' ? @('-PowerShell', (New-ReadyToRunPowerShell)) : @()
        Invoke-Native $Pwsh (@('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'bench' $benchmark), '-ModulePath', (Join-Path $ModuleDir 'OpsAutomation.psd1')) + $extra)
    }
}

# PowerShell's own packages are compiled ahead of time, the local dotnet tool is not: the cold start
# benchmark runs in a copy of this pwsh compiled as they are (Roslyn, which only Add-Type loads, left
# out), so that what it measures as PowerShell's own start is what an installed PowerShell costs.
function New-ReadyToRunPowerShell {
    $copy = Join-Path $Root 'obj' 'readytorun' "powershell-$($PSVersionTable.PSVersion)"
    $complete = Join-Path $copy '.complete'
    if (-not (Test-Path $complete)) {
        Remove-Item $copy -Recurse -Force -ErrorAction SilentlyContinue
        Copy-Item $PSHOME $copy -Recurse
        $images = Join-Path $Root 'obj' 'readytorun' 'powershell-images'
        Invoke-ReadyToRun $copy -Cache $images -Exclude 'Microsoft.CodeAnalysis*'
        Remove-Item $images -Recurse -Force
        $null = New-Item $complete
    }
    Join-Path $copy 'pwsh.dll'
}

function Invoke-SandboxTask {
    $project = Join-Path $Root 'src' 'OpsAutomation.Sandbox'
    # The build's words are shown only when it fails, so that the sandbox's kubeconfig line comes first.
    $log = & dotnet build $project -c $Configuration --nologo -v:q 2>&1
    if ($LASTEXITCODE -ne 0) { $log | Out-Host; throw "Building the sandbox failed (exit $LASTEXITCODE)." }
    $assembly = Join-Path $project 'bin' $Configuration 'net10.0' 'OpsAutomation.Sandbox.dll'
    # In the foreground: its output is the user's, and Ctrl+C reaches it.
    & dotnet $assembly @SandboxArgument
    if ($LASTEXITCODE -ne 0) { throw "The sandbox exited with $LASTEXITCODE." }
}

function Invoke-CleanTask {
    Remove-Item (Join-Path $Root 'output') -Recurse -Force -ErrorAction SilentlyContinue
    Get-ChildItem $Root -Recurse -Directory -Include bin, obj | Remove-Item -Recurse -Force
}

switch ($Task) {
    'Build' { Invoke-BuildTask }
    'Test' { Invoke-TestTask }
    'Run' { Invoke-RunTask }
    'Bench' { Invoke-BenchTask }
    'Sandbox' { Invoke-SandboxTask }
    'Package' { Invoke-PackageTask }
    'Clean' { Invoke-CleanTask }
}
