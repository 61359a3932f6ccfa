#Requires -Version 7.4
# Redirects as a person meets them at the prompt: followed by default, off with -NoFollowRedirect
# or the catalog key FollowRedirects, and -MaxResponseBytes bounding what is read.

BeforeAll {
    if (-not $env:OPS_TEST_MODULE_PATH) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    Import-Module $env:OPS_TEST_MODULE_PATH -Force

    # /old answers 302 to /health; every other path 200 with a 2,000-byte body. Until the listener stops.
    function Start-RedirectServer {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $job = Start-ThreadJob -ArgumentList $listener {
            param($listener)
            try {
                while ($true) {
                    $client = $listener.AcceptTcpClient()
                    $stream = $client.GetStream()
                    $reader = [System.IO.StreamReader]::new($stream)
                    $requestLine = $reader.ReadLine()
                    while ($reader.ReadLine()) { }
                    $head = if ($requestLine -like 'GET /old *') {
                        "HTTP/1.1 302 Found`r`nLocation: /health`r`nContent-Length: 0`r`nConnection: close`r`n`r`n"
                    }
                    else {
                        "HTTP/1.1 200 OK`r`nContent-Type: text/plain`r`nContent-Length: 2000`r`nConnection: close`r`n`r`n" + ('x' * 2000)
                    }
                    $bytes = [System.Text.Encoding]::ASCII.GetBytes($head)
                    $stream.Write($bytes, 0, $bytes.Length)
                    $client.Close()
                }
            }
            catch [System.Net.Sockets.SocketException] { }
        }
        [pscustomobject]@{ Url = "http://127.0.0.1:$($listener.LocalEndpoint.Port)"; Listener = $listener; Job = $job }
    }
    $script:Server = Start-RedirectServer
}

AfterAll {
    $Server.Listener.Stop()
    $Server.Job | Wait-Job -Timeout 5 | Remove-Job -Force
}

Describe 'Test-ServiceHealth and redirects' {
    It 'follows a redirect and names the final URL' {
        $result = Test-ServiceHealth -Uri "$($Server.Url)/old" -StatePath (Join-Path $TestDrive 'a') -NoHistory
        $result.Status | Should -Be 'Healthy'
        $result.Details['FinalUrl'] | Should -Be "$($Server.Url)/health"
        $result.Details['Redirects'] | Should -Be 1
    }

    It 'judges the redirect itself with -NoFollowRedirect' {
        $result = Test-ServiceHealth -Uri "$($Server.Url)/old" -NoFollowRedirect -StatePath (Join-Path $TestDrive 'b') -NoHistory
        $result.Status | Should -Be 'Unhealthy'
        $result.StatusCode | Should -Be 302
    }

    It 'takes FollowRedirects = $false from a catalog''s Defaults' {
        $catalog = Join-Path $TestDrive 'services.psd1'
        Set-Content $catalog "@{ Defaults = @{ FollowRedirects = `$false }; Services = @( @{ Name = 'old'; Uri = '$($Server.Url)/old' } ) }"
        $result = Test-ServiceHealth -Path $catalog -StatePath (Join-Path $TestDrive 'c') -NoHistory
        $result.StatusCode | Should -Be 302
    }

    It 'fails a body over -MaxResponseBytes, naming the limit' {
        $result = Test-ServiceHealth -Uri "$($Server.Url)/health" -MaxResponseBytes 1KB -StatePath (Join-Path $TestDrive 'd') -NoHistory
        $result.Status | Should -Be 'Unhealthy'
        $result.ErrorKind | Should -Be 'InvalidResponse'
        $result.Error | Should -Match '1 KiB limit'
    }
}
