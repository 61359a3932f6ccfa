#Requires -Version 7.4
# Helpers the benchmarks share: native calls that fail loudly, free loopback ports, and
# stopping what a benchmark started.
Set-StrictMode -Version Latest

function Invoke-Native([string] $FilePath, [string[]] $ArgumentList) {
    $output = & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($ArgumentList -join ' ')' exited with $LASTEXITCODE." }
    $output
}

function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

# Stops $Process, waits for it, and takes it off the benchmark's list of started processes.
function Stop-Started([System.Diagnostics.Process] $Process, [System.Collections.Generic.List[System.Diagnostics.Process]] $Started) {
    Stop-Process -Id $Process.Id -ErrorAction Ignore
    $Process.WaitForExit(10000) | Out-Null
    $Started.Remove($Process) | Out-Null
}

# Installs a Debian package when its command is missing (benchmarks start their peers themselves).
function Install-DebianPackage([string] $Command, [string] $Package) {
    if (Get-Command $Command -ErrorAction Ignore) { return }
    if (-not $IsLinux -or -not (Test-Path /usr/bin/apt-get)) { throw "$Command is missing and there is no apt-get to install $Package." }
    Write-Host "Installing Debian package $Package"
    $env:DEBIAN_FRONTEND = 'noninteractive'
    Invoke-Native apt-get @('update', '-qq') | Out-Null
    Invoke-Native apt-get @('install', '-y', '-qq', '--no-install-recommends', $Package) | Out-Null
}

Export-ModuleMember -Function Invoke-Native, Get-FreeTcpPort, Stop-Started, Install-DebianPackage
