#Requires -Version 7.4
<#
    Starts the real services the integration tests use, on 127.0.0.1 high ports with data in a
    temporary folder, and stops them by PID. Missing Debian packages are installed with apt-get
    (root on Debian). A service that cannot start is an error, never a silent skip.
    Each started service exports its URL as OPS_TEST_<NAME>_URL for the test processes.
#>
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$Catalog = @{
    Prometheus  = @{ Package = 'prometheus'; Command = 'prometheus'; Ready = '/-/ready' }
    Pushgateway = @{ Package = 'prometheus-pushgateway'; Command = 'prometheus-pushgateway'; Ready = '/-/ready' }
    Alertmanager = @{ Package = 'prometheus-alertmanager'; Command = 'prometheus-alertmanager'; Ready = '/-/ready' }
    NodeExporter = @{ Package = 'prometheus-node-exporter'; Command = 'prometheus-node-exporter'; Ready = '/metrics' }
}

function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Install-MissingPackages([string[]] $Services) {
    $missing = @($Services | Where-Object { -not (Get-Command $Catalog[$_].Command -ErrorAction Ignore) } | ForEach-Object { $Catalog[$_].Package })
    Install-DebianPackages $missing
}

function Install-DebianPackages([string[]] $Packages) {
    if ($Packages.Count -eq 0) { return }
    if (-not $IsLinux -or -not (Test-Path /usr/bin/apt-get)) { throw "Missing test services ($($Packages -join ', ')) and no apt-get to install them." }
    if ((id -u) -ne '0') { throw "Missing test services ($($Packages -join ', ')): run as root to install them with apt-get." }
    Write-Host "Installing Debian packages: $($Packages -join ', ')"
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get update -qq | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "apt-get update failed with $LASTEXITCODE." }
    & apt-get install -y -qq --no-install-recommends @Packages | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "apt-get install $($Packages -join ' ') failed with $LASTEXITCODE." }
}

# Command-line tools the tests drive, by the Debian package that brings each.
$Tools = [ordered]@{
    sqlite3 = 'sqlite3'             # holds a lock on the state store from another process
    kubectl = 'kubernetes-client'   # the real client that proves the Kubernetes sandbox (the image ships newer ones)
    busybox = 'busybox-static'      # the one binary of the sample image, which starts FROM scratch
    'chromium-headless-shell' = 'chromium-headless-shell'  # renders the HTML reports to check their charts (tests/pester/HtmlRendering.psm1)
}

function Install-TestTools {
    <#
    .SYNOPSIS
        Installs the command-line tools the tests drive (sqlite3, kubectl, busybox, chromium-headless-shell) when they are missing.
    #>
    [CmdletBinding()]
    param()
    Install-DebianPackages @($Tools.Keys | Where-Object { -not (Get-Command $_ -ErrorAction Ignore) } | ForEach-Object { $Tools[$_] })
}

function Wait-Ready([string] $Url, $Process, [string] $Name, [string] $LogPath, [int] $Accept = 0) {
    $client = [System.Net.Http.HttpClient]::new()
    try {
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ([DateTime]::UtcNow -lt $deadline) {
            if ($Process.HasExited) { throw "$Name exited with $($Process.ExitCode) while starting: $(Get-Content $LogPath -Tail 20 -ErrorAction Ignore)" }
            try {
                $response = $client.GetAsync($Url).GetAwaiter().GetResult()
                if ($response.IsSuccessStatusCode -or [int]$response.StatusCode -eq $Accept) { return }
            }
            catch [System.Net.Http.HttpRequestException] { }
            Start-Sleep -Milliseconds 200
        }
        throw "$Name did not become ready at $Url within 60 s: $(Get-Content $LogPath -Tail 20 -ErrorAction Ignore)"
    }
    finally { $client.Dispose() }
}

function Start-TestServices {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [ValidateSet('Prometheus', 'Pushgateway', 'Alertmanager', 'NodeExporter')] [string[]] $Services)

    Install-MissingPackages $Services
    $root = New-Item -ItemType Directory (Join-Path ([System.IO.Path]::GetTempPath()) "ops-test-services-$PID") -Force
    $started = [System.Collections.Generic.List[object]]::new()
    $complete = $false
    try {
        foreach ($name in $Services) {
            $port = Get-FreeTcpPort
            $data = New-Item -ItemType Directory (Join-Path $root $name.ToLowerInvariant()) -Force
            $address = "127.0.0.1:$port"
            $arguments = switch ($name) {
                'Prometheus' {
                    $config = Join-Path $data 'prometheus.yml'
                    # A second job scrapes the port a Watch-ServiceHealth test serves /metrics on, every second.
                    $watchPort = Get-FreeTcpPort
                    $env:OPS_TEST_WATCH_METRICS_PORT = "$watchPort"
                    # A third job scrapes, every second, whatever a test lists in a target file (file_sd) of this folder:
                    # Prometheus watches it, so a test (or a sandbox's pods) joins the scrape by writing <name>.json there.
                    $targets = New-Item -ItemType Directory (Join-Path $data 'file_sd') -Force
                    $env:OPS_TEST_PROMETHEUS_SD_DIR = $targets.FullName
                    Set-Content $config ("global:`n  scrape_interval: 15s`nscrape_configs:`n  - job_name: prometheus`n    static_configs:`n      - targets: ['$address']`n" +
                        "  - job_name: opsautomation-watch`n    scrape_interval: 1s`n    static_configs:`n      - targets: ['127.0.0.1:$watchPort']`n" +
                        "  - job_name: file-sd`n    scrape_interval: 1s`n    file_sd_configs:`n      - files: ['$(Join-Path $targets.FullName '*.json')']`n        refresh_interval: 1s`n")
                    "--config.file=$config", "--storage.tsdb.path=$(Join-Path $data 'tsdb')", "--web.listen-address=$address", '--web.enable-lifecycle'
                }
                # Debian's build persists to /var/lib/prometheus/pushgateway.data by default, which would leak groups between runs.
                'Pushgateway' { "--web.listen-address=$address", '--persistence.file=' }
                # Its default collectors, which Get-SystemMetrics is compared against.
                'NodeExporter' { "--web.listen-address=$address" }
                'Alertmanager' {
                    # One receiver that delivers nowhere: tests read what arrived through /api/v2/alerts.
                    $config = Join-Path $data 'alertmanager.yml'
                    Set-Content $config "route:`n  receiver: sink`n  group_wait: 1s`nreceivers:`n  - name: sink`n"
                    "--config.file=$config", "--storage.path=$(Join-Path $data 'data')", "--web.listen-address=$address", '--cluster.listen-address='
                }
            }
            $log = Join-Path $data 'service.log'
            $process = Start-Process -FilePath (Get-Command $Catalog[$name].Command).Source -ArgumentList $arguments -PassThru `
                -RedirectStandardError $log -RedirectStandardOutput (Join-Path $data 'stdout.log')
            $url = "http://$address"
            $started.Add([pscustomobject]@{ Name = $name; Url = $url; ProcessId = $process.Id; Process = $process; DataPath = $data.FullName })
            Wait-Ready "$url$($Catalog[$name].Ready)" $process $name $log
            Set-Item "env:OPS_TEST_$($name.ToUpperInvariant())_URL" $url
            Write-Host "Started $name (pid $($process.Id)) at $url"
        }
        $complete = $true
    }
    finally {
        # Also on Ctrl+C, which runs finally blocks but no catch.
        if (-not $complete) { Stop-TestServices $started }
    }
    $started
}

function Stop-TestServices {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [AllowEmptyCollection()] [object[]] $Services)
    foreach ($service in $Services) {
        try {
            Stop-Process -Id $service.ProcessId -ErrorAction Stop
            $service.Process.WaitForExit(10000) | Out-Null
        }
        catch [Microsoft.PowerShell.Commands.ProcessCommandException] { }
        Remove-Item "env:OPS_TEST_$($service.Name.ToUpperInvariant())_URL" -ErrorAction Ignore
        if ($service.Name -eq 'Prometheus') { Remove-Item env:OPS_TEST_WATCH_METRICS_PORT, env:OPS_TEST_PROMETHEUS_SD_DIR -ErrorAction Ignore }
        Write-Host "Stopped $($service.Name) (pid $($service.ProcessId))"
    }
    $roots = $Services | ForEach-Object { Split-Path $_.DataPath } | Select-Object -Unique
    $roots | Where-Object { $_ } | Remove-Item -Recurse -Force -ErrorAction Ignore
}

# Debian keeps the server binaries out of PATH, one folder per major version: take the newest.
function Find-PostgresBin {
    $initdb = Get-ChildItem /usr/lib/postgresql/*/bin/initdb -ErrorAction Ignore |
        Sort-Object { [int]$_.Directory.Parent.Name } -Descending | Select-Object -First 1
    if ($initdb) { $initdb.DirectoryName }
}

<#
    Starts a throwaway PostgreSQL cluster: initdb into a temporary folder, a server on 127.0.0.1 at a
    free port (Unix socket in the same folder), password authentication for a generated password.
    PostgreSQL refuses to run as root, so as root the cluster belongs to the Debian package's
    postgres user. Exports OPS_TEST_POSTGRES_CONNECTION (an Npgsql connection string).
#>
function Start-TestPostgres {
    [CmdletBinding()]
    param()

    $bin = Find-PostgresBin
    if (-not $bin) {
        Install-DebianPackages 'postgresql'
        $bin = Find-PostgresBin
        if (-not $bin) { throw 'PostgreSQL is installed but no /usr/lib/postgresql/<version>/bin/initdb was found.' }
    }
    $asRoot = (id -u) -eq '0'
    $runAs = { param([string] $Command, [string[]] $Arguments)
        if ($asRoot) { & runuser -u postgres -- $Command @Arguments } else { & $Command @Arguments }
        if ($LASTEXITCODE -ne 0) { throw "$(Split-Path $Command -Leaf) failed with $LASTEXITCODE." }
    }
    $root = New-Item -ItemType Directory (Join-Path ([System.IO.Path]::GetTempPath()) "ops-test-postgres-$PID") -Force
    $data = Join-Path $root 'data'
    $log = Join-Path $root 'postgres.log'
    $port = Get-FreeTcpPort
    $password = [guid]::NewGuid().ToString('N')
    $service = [pscustomobject]@{ Name = 'Postgres'; Bin = $bin; DataPath = $data; RootPath = $root.FullName; Port = $port; ProcessId = $null; AsRoot = $asRoot }
    try {
        $passwordFile = Join-Path $root 'password'
        Set-Content $passwordFile $password -NoNewline
        if ($asRoot) { & chown -R postgres $root; if ($LASTEXITCODE -ne 0) { throw "chown of $root failed with $LASTEXITCODE." } }
        & $runAs (Join-Path $bin 'initdb') @('-D', $data, '-U', 'ops', "--pwfile=$passwordFile", '-A', 'scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync') | Out-Null
        Remove-Item $passwordFile -Force
        $options = "-c listen_addresses=127.0.0.1 -p $port -k $root -c fsync=off"
        & $runAs (Join-Path $bin 'pg_ctl') @('-D', $data, '-l', $log, '-o', $options, '-w', '-t', '60', 'start') | Out-Null
        $service.ProcessId = [int](Get-Content (Join-Path $data 'postmaster.pid') -TotalCount 1)
    }
    catch {
        $detail = Get-Content $log -Tail 20 -ErrorAction Ignore
        Stop-TestPostgres $service
        throw "PostgreSQL did not start: $_ $detail"
    }
    $env:OPS_TEST_POSTGRES_CONNECTION = "Host=127.0.0.1;Port=$port;Database=postgres;Username=ops;Password=$password"
    Write-Host "Started PostgreSQL $(Split-Path (Split-Path $bin) -Leaf) (pid $($service.ProcessId)) at 127.0.0.1:$port"
    $service
}

function Stop-TestPostgres {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Service)
    if ($Service.ProcessId) {
        $stop = @('-D', $Service.DataPath, '-m', 'fast', '-w', 'stop')
        if ($Service.AsRoot) { & runuser -u postgres -- (Join-Path $Service.Bin 'pg_ctl') @stop | Out-Null }
        else { & (Join-Path $Service.Bin 'pg_ctl') @stop | Out-Null }
        if ($LASTEXITCODE -ne 0) { Stop-Process -Id $Service.ProcessId -ErrorAction Ignore }
        Write-Host "Stopped PostgreSQL (pid $($Service.ProcessId))"
    }
    Remove-Item env:OPS_TEST_POSTGRES_CONNECTION -ErrorAction Ignore
    Remove-Item $Service.RootPath -Recurse -Force -ErrorAction Ignore
}

<#
    Starts a private Docker engine (Debian's docker.io; vfs storage, no iptables, no bridge, as this
    machine allows) on its own Unix socket and data folder, so tests never touch the host's engine,
    and a registry (Debian's docker-registry, the CNCF distribution) on 127.0.0.1 with htpasswd
    authentication for a generated password. Exports OPS_TEST_DOCKER_HOST (unix://...),
    OPS_TEST_REGISTRY (host:port), OPS_TEST_REGISTRY_URL, OPS_TEST_REGISTRY_USER and
    OPS_TEST_REGISTRY_PASSWORD.
#>
function Start-TestDocker {
    [CmdletBinding()]
    param()

    if (-not $IsLinux) { throw 'The test Docker engine runs on Linux only (dockerd with vfs storage).' }
    if ((id -u) -ne '0') { throw 'The test Docker engine needs root (dockerd): run the tests as root.' }
    $packages = @{ dockerd = 'docker.io'; 'docker-registry' = 'docker-registry'; htpasswd = 'apache2-utils' }
    Install-DebianPackages @($packages.Keys | Where-Object { -not (Get-Command $_ -ErrorAction Ignore) } | ForEach-Object { $packages[$_] })

    # Unix socket paths are limited to 108 bytes: keep the folder short.
    $root = New-Item -ItemType Directory "/tmp/ops-docker-$PID" -Force
    $started = [System.Collections.Generic.List[object]]::new()
    $complete = $false
    try {
        $socket = Join-Path $root 'docker.sock'
        $log = Join-Path $root 'dockerd.log'
        $engine = Start-Process -FilePath (Get-Command dockerd).Source -PassThru -RedirectStandardError $log -RedirectStandardOutput (Join-Path $root 'dockerd.out') -ArgumentList @(
            '--storage-driver=vfs', '--iptables=false', '--bridge=none', "--host=unix://$socket",
            "--data-root=$(Join-Path $root 'data')", "--exec-root=$(Join-Path $root 'exec')", "--pidfile=$(Join-Path $root 'docker.pid')")
        $started.Add([pscustomobject]@{ Name = 'Docker'; ProcessId = $engine.Id; Process = $engine })
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ($true) {
            if ($engine.HasExited) { throw "dockerd exited with $($engine.ExitCode) while starting: $(Get-Content $log -Tail 20 -ErrorAction Ignore)" }
            if (Test-Path $socket) {
                & docker --host "unix://$socket" version --format '{{.Server.APIVersion}}' 2>$null | Out-Null
                if ($LASTEXITCODE -eq 0) { break }
            }
            if ([DateTime]::UtcNow -gt $deadline) { throw "dockerd did not answer on $socket within 60 s: $(Get-Content $log -Tail 20 -ErrorAction Ignore)" }
            Start-Sleep -Milliseconds 200
        }
        Write-Host "Started Docker engine (pid $($engine.Id)) at unix://$socket"

        $port = Get-FreeTcpPort
        $password = [guid]::NewGuid().ToString('N')
        $registryData = New-Item -ItemType Directory (Join-Path $root 'registry') -Force
        $htpasswd = Join-Path $registryData 'htpasswd'
        & htpasswd -Bbn ops $password | Set-Content $htpasswd
        if ($LASTEXITCODE -ne 0) { throw "htpasswd failed with $LASTEXITCODE." }
        $config = Join-Path $registryData 'config.yml'
        Set-Content $config ("version: 0.1`nlog:`n  level: warn`nstorage:`n  filesystem:`n    rootdirectory: $(Join-Path $registryData 'data')`n  delete:`n    enabled: true`n" +
            "http:`n  addr: 127.0.0.1:$port`nauth:`n  htpasswd:`n    realm: opsautomation-test`n    path: $htpasswd`n")
        $registryLog = Join-Path $registryData 'registry.log'
        $registry = Start-Process -FilePath (Get-Command docker-registry).Source -ArgumentList 'serve', $config -PassThru `
            -RedirectStandardError $registryLog -RedirectStandardOutput (Join-Path $registryData 'stdout.log')
        $started.Add([pscustomobject]@{ Name = 'Registry'; ProcessId = $registry.Id; Process = $registry })
        # /v2/ answers 401 to an anonymous client once the registry serves.
        Wait-Ready "http://127.0.0.1:$port/v2/" $registry 'Registry' $registryLog -Accept 401
        Write-Host "Started registry (pid $($registry.Id)) at http://127.0.0.1:$port"
        $complete = $true
    }
    finally {
        # Also on Ctrl+C, which runs finally blocks but no catch.
        if (-not $complete) { Stop-TestDocker ([pscustomobject]@{ RootPath = $root.FullName; Processes = $started }) }
    }
    $env:OPS_TEST_DOCKER_HOST = "unix://$socket"
    $env:OPS_TEST_REGISTRY = "127.0.0.1:$port"
    $env:OPS_TEST_REGISTRY_URL = "http://127.0.0.1:$port"
    $env:OPS_TEST_REGISTRY_USER = 'ops'
    $env:OPS_TEST_REGISTRY_PASSWORD = $password
    [pscustomobject]@{ RootPath = $root.FullName; Processes = $started }
}

function Stop-TestDocker {
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Service)
    # The registry first, then the engine, which stops its containerd and containers itself on SIGTERM.
    for ($i = $Service.Processes.Count - 1; $i -ge 0; $i--) {
        $process = $Service.Processes[$i]
        try {
            Stop-Process -Id $process.ProcessId -ErrorAction Stop
            if (-not $process.Process.WaitForExit(30000)) { Stop-Process -Id $process.ProcessId -Force -ErrorAction Ignore }
        }
        catch [Microsoft.PowerShell.Commands.ProcessCommandException] { }
        Write-Host "Stopped $($process.Name) (pid $($process.ProcessId))"
    }
    Remove-Item env:OPS_TEST_DOCKER_HOST, env:OPS_TEST_REGISTRY, env:OPS_TEST_REGISTRY_URL, env:OPS_TEST_REGISTRY_USER, env:OPS_TEST_REGISTRY_PASSWORD -ErrorAction Ignore
    # vfs layers and the engine's mounts go with the folder; a mount still held would fail the removal, so unmount first.
    Get-Content /proc/mounts -ErrorAction Ignore | ForEach-Object { ($_ -split ' ')[1] } | Where-Object { $_.StartsWith($Service.RootPath) } |
        Sort-Object Length -Descending | ForEach-Object { & umount -l $_ 2>$null }
    Remove-Item $Service.RootPath -Recurse -Force -ErrorAction Ignore
}

<#
    Starts the Kubernetes sandbox that ./build.ps1 Build built (src/OpsAutomation.Sandbox) as a process of its own on
    a free 127.0.0.1 port, and returns once its first line names the kubeconfig it wrote: Kubeconfig, Api, ProcessId.
    -Speed sets its clock (--speed); -Argument passes other options (--pod-start-seconds 0). Stop it with Stop-TestSandbox.
#>
function Start-TestSandbox {
    [CmdletBinding()]
    param(
        [double] $Speed = 1,
        [string[]] $Argument = @(),
        [string] $Configuration = 'Release'
    )
    $assembly = Join-Path $PSScriptRoot '..' '..' 'src' 'OpsAutomation.Sandbox' 'bin' $Configuration 'net10.0' 'OpsAutomation.Sandbox.dll'
    if (-not (Test-Path $assembly)) { throw "The Kubernetes sandbox is not built at ${assembly}: run ./build.ps1 Build first." }
    $folder = New-Item -ItemType Directory (Join-Path ([System.IO.Path]::GetTempPath()) "ops-test-sandbox-$([guid]::NewGuid().ToString('N'))")
    $out = Join-Path $folder 'stdout.log'
    $log = Join-Path $folder 'stderr.log'
    $process = Start-Process -FilePath (Get-Command dotnet).Source -ArgumentList (@($assembly, '--port', '0', '--speed', $Speed.ToString([cultureinfo]::InvariantCulture)) + $Argument) -PassThru `
        -RedirectStandardOutput $out -RedirectStandardError $log
    $sandbox = [pscustomobject]@{ Name = 'Sandbox'; ProcessId = $process.Id; Process = $process; Kubeconfig = $null; Api = $null; DataPath = $folder.FullName }
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    try {
        while (-not $sandbox.Api) {
            $lines = @(Get-Content $out -ErrorAction Ignore)
            foreach ($line in $lines) {
                if ($line -match '^kubeconfig: (.+)$') { $sandbox.Kubeconfig = $Matches[1] }
                if ($line -match '^api: (.+)$') { $sandbox.Api = $Matches[1] }
            }
            if ($sandbox.Api) { break }
            if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
                $why = $process.HasExited ? "exited with $($process.ExitCode)" : 'wrote no kubeconfig line within 60 s'
                throw "The Kubernetes sandbox $why`: $(Get-Content $log, $out -Tail 20 -ErrorAction Ignore)"
            }
            Start-Sleep -Milliseconds 100
        }
    }
    finally {
        # Also on Ctrl+C, which runs finally blocks but no catch.
        if (-not $sandbox.Api) { Stop-TestSandbox $sandbox }
    }
    Write-Host "Started the Kubernetes sandbox (pid $($process.Id)) at $($sandbox.Api), kubeconfig $($sandbox.Kubeconfig)"
    $sandbox
}

function Stop-TestSandbox {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object] $Sandbox)
    if (-not $Sandbox.Process.HasExited) {
        # SIGTERM lets it stop its pods' applications and remove the kubeconfig folder it made; a kill is the fallback.
        if ($IsWindows) { Stop-Process -Id $Sandbox.ProcessId -ErrorAction Ignore } else { & kill -TERM $Sandbox.ProcessId }
        if (-not $Sandbox.Process.WaitForExit(10000)) { Stop-Process -Id $Sandbox.ProcessId -Force -ErrorAction Ignore }
    }
    Remove-Item $Sandbox.DataPath -Recurse -Force -ErrorAction Ignore
    Write-Host "Stopped the Kubernetes sandbox (pid $($Sandbox.ProcessId))"
}

# A stand-in of tests/TestServers (pagerduty, elasticsearch, kibana, grafana, kubernetes) as a process
# on a free 127.0.0.1 port, built first when it is not; stopped by its PID.
function Start-TestStandIn {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [ValidateSet('pagerduty', 'elasticsearch', 'kibana', 'grafana', 'kubernetes')] [string] $Name,
        [string[]] $Argument = @(),
        [string] $Configuration = 'Release'
    )
    $project = Join-Path $PSScriptRoot '..' 'TestServers'
    $assembly = Join-Path $project 'bin' $Configuration 'net10.0' 'OpsAutomation.TestServers.dll'
    if (-not (Test-Path $assembly)) {
        $log = & dotnet build $project -c $Configuration --nologo -v:q 2>&1
        if ($LASTEXITCODE -ne 0) { throw "Building the stand-ins failed (exit $LASTEXITCODE): $($log | Select-Object -Last 20)" }
    }
    $folder = New-Item -ItemType Directory (Join-Path ([System.IO.Path]::GetTempPath()) "ops-test-standin-$([guid]::NewGuid().ToString('N'))")
    $out = Join-Path $folder 'stdout.log'
    $err = Join-Path $folder 'stderr.log'
    $process = Start-Process -FilePath (Get-Command dotnet).Source -ArgumentList (@($assembly, $Name, '--no-stdin') + $Argument) -PassThru `
        -RedirectStandardOutput $out -RedirectStandardError $err
    $standIn = [pscustomobject]@{ Name = $Name; ProcessId = $process.Id; Process = $process; Url = $null; DataPath = $folder.FullName }
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    try {
        while (-not $standIn.Url) {
            foreach ($line in @(Get-Content $out -ErrorAction Ignore)) {
                if ($line -match '^listening (.+)$') { $standIn.Url = $Matches[1].TrimEnd('/') }
            }
            if ($standIn.Url) { break }
            if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
                $why = $process.HasExited ? "exited with $($process.ExitCode)" : 'did not listen within 60 s'
                throw "The $Name stand-in $why`: $(Get-Content $err, $out -Tail 20 -ErrorAction Ignore)"
            }
            Start-Sleep -Milliseconds 100
        }
    }
    finally {
        # Also on Ctrl+C, which runs finally blocks but no catch.
        if (-not $standIn.Url) { Stop-TestStandIn $standIn }
    }
    Write-Host "Started the $Name stand-in (pid $($process.Id)) at $($standIn.Url)"
    $standIn
}

function Stop-TestStandIn {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object] $StandIn)
    if (-not $StandIn.Process.HasExited) {
        if ($IsWindows) { Stop-Process -Id $StandIn.ProcessId -ErrorAction Ignore } else { & kill -TERM $StandIn.ProcessId }
        if (-not $StandIn.Process.WaitForExit(10000)) { Stop-Process -Id $StandIn.ProcessId -Force -ErrorAction Ignore }
    }
    Remove-Item $StandIn.DataPath -Recurse -Force -ErrorAction Ignore
    Write-Host "Stopped the $($StandIn.Name) stand-in (pid $($StandIn.ProcessId))"
}

<#
    The whole local stack of the main job (./build.ps1 Run) and of its test (tests/pester/MainJob.Tests.ps1), on
    127.0.0.1: the real Prometheus (scraping the module's /metrics on OPS_TEST_WATCH_METRICS_PORT and, through a
    file_sd target file, the sandbox's pods), Pushgateway and Alertmanager; a private Docker engine with a registry
    where it can run (root on Linux; -NoDocker leaves it out); the Kubernetes sandbox, whose kubelet looks images up in
    that registry; and the Elasticsearch, Kibana and Grafana stand-ins. Everything is started by the functions above,
    in this order, and Stop-TestStack stops it by PID in the reverse order. A start that fails or is interrupted
    (Ctrl+C) stops what had started. Returns the endpoints: Kubeconfig, PrometheusUri, AlertmanagerUri, PushgatewayUri,
    ElasticsearchUri, KibanaUri, GrafanaUri, MetricsPort, DockerHost and Registry (null without Docker), and Parts.
#>
function Start-TestStack {
    [CmdletBinding()]
    param([switch] $NoDocker)

    $stack = [pscustomobject]@{
        Kubeconfig = $null; PrometheusUri = $null; AlertmanagerUri = $null; PushgatewayUri = $null
        ElasticsearchUri = $null; KibanaUri = $null; GrafanaUri = $null; MetricsPort = 0; DockerHost = $null; Registry = $null
        Parts = [System.Collections.Generic.List[object]]::new()
    }
    $complete = $false
    try {
        Install-TestTools
        $services = Start-TestServices -Services Prometheus, Pushgateway, Alertmanager
        $stack.Parts.Add([pscustomobject]@{ Stop = 'Stop-TestServices'; Started = $services })
        $url = @{}; foreach ($service in $services) { $url[$service.Name] = $service.Url }
        $stack.PrometheusUri = $url.Prometheus; $stack.PushgatewayUri = $url.Pushgateway; $stack.AlertmanagerUri = $url.Alertmanager
        $stack.MetricsPort = [int] $env:OPS_TEST_WATCH_METRICS_PORT

        $sandboxArgument = @('--pod-start-seconds', '0', '--prometheus-sd-file', (Join-Path $env:OPS_TEST_PROMETHEUS_SD_DIR 'sandbox.json'))
        $canRunDocker = $IsLinux -and (id -u) -eq '0'
        if ($NoDocker -or -not $canRunDocker) {
            Write-Host ($NoDocker ? 'No Docker engine (-NoDocker).' : 'No Docker engine: it needs root on Linux.')
        }
        else {
            $docker = Start-TestDocker
            $stack.Parts.Add([pscustomobject]@{ Stop = 'Stop-TestDocker'; Started = $docker })
            $stack.DockerHost = $env:OPS_TEST_DOCKER_HOST
            $stack.Registry = $env:OPS_TEST_REGISTRY
            $sandboxArgument += '--registry', $env:OPS_TEST_REGISTRY, '--registry-user', $env:OPS_TEST_REGISTRY_USER, '--registry-password', 'env:OPS_TEST_REGISTRY_PASSWORD'
        }
        $sandbox = Start-TestSandbox -Argument $sandboxArgument
        $stack.Parts.Add([pscustomobject]@{ Stop = 'Stop-TestSandbox'; Started = $sandbox })
        $stack.Kubeconfig = $sandbox.Kubeconfig

        foreach ($name in 'elasticsearch', 'kibana', 'grafana') {
            $standIn = Start-TestStandIn -Name $name
            $stack.Parts.Add([pscustomobject]@{ Stop = 'Stop-TestStandIn'; Started = $standIn })
            $stack.($name.Substring(0, 1).ToUpperInvariant() + $name.Substring(1) + 'Uri') = $standIn.Url
        }
        $complete = $true
    }
    finally {
        # Also on Ctrl+C, which runs finally blocks but no catch.
        if (-not $complete) { Stop-TestStack $stack }
    }
    $stack
}

function Stop-TestStack {
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object] $Stack)
    for ($i = $Stack.Parts.Count - 1; $i -ge 0; $i--) {
        $part = $Stack.Parts[$i]
        # One part that fails to stop does not keep the others running.
        try { & $part.Stop $part.Started }
        catch { Write-Warning "$($part.Stop) failed: $_" }
    }
    $Stack.Parts.Clear()
}

Export-ModuleMember -Function Install-TestTools, Start-TestServices, Stop-TestServices, Start-TestPostgres, Stop-TestPostgres, Start-TestDocker, Stop-TestDocker,
    Start-TestSandbox, Stop-TestSandbox, Start-TestStandIn, Stop-TestStandIn, Start-TestStack, Stop-TestStack
