#Requires -Version 7.4
# A small HTTP endpoint of the tests' own on 127.0.0.1, for the report tests' real checks: every path
# answers 200 'ok' as text/plain, except the paths given in -Routes, which answer as their entry says.
Set-StrictMode -Version Latest

function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

# -Routes: path -> @{ Status = 503; ContentType = 'application/json'; Body = '...' }.
function Start-TestEndpoint([hashtable] $Routes = @{}) {
    $port = Get-FreePort
    $listener = [System.Net.HttpListener]::new()
    $listener.Prefixes.Add("http://127.0.0.1:$port/")
    $listener.Start()
    $job = Start-ThreadJob -ArgumentList $listener, $Routes -ScriptBlock {
        param($listener, $routes)
        while ($listener.IsListening) {
            try { $context = $listener.GetContext() } catch { break }
            $route = $routes[$context.Request.Url.AbsolutePath]
            $context.Response.StatusCode = $route ? $route.Status : 200
            $context.Response.ContentType = $route ? $route.ContentType : 'text/plain'
            $body = [System.Text.Encoding]::UTF8.GetBytes($route ? $route.Body : 'ok')
            $context.Response.OutputStream.Write($body, 0, $body.Length)
            $context.Response.Close()
        }
    }
    [pscustomobject]@{ Url = "http://127.0.0.1:$port"; Port = $port; Listener = $listener; Job = $job }
}

function Stop-TestEndpoint($Endpoint) {
    if (-not $Endpoint) { return }
    $Endpoint.Listener.Stop()
    $Endpoint.Job | Wait-Job -Timeout 5 | Remove-Job -Force
}

Export-ModuleMember -Function Get-FreePort, Start-TestEndpoint, Stop-TestEndpoint
