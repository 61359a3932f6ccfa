#Requires -Version 7.4
# Helpers the health benchmarks share: native calls that fail loudly, free loopback ports, and
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

Export-ModuleMember -Function Invoke-Native, Get-FreeTcpPort, Stop-Started
