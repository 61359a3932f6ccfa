#Requires -Version 7.4
# URIs that carry credentials (user:password@, ?token=) against failing targets: no stream,
# no error (message, inner exceptions, target object) and no log line shows the secret.

BeforeAll {
    if (-not $env:OPS_TEST_MODULE_PATH) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
    $script:Password = 'Pa55-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
    $script:Token = 'tok-' + [guid]::NewGuid().ToString('N').Substring(0, 12)

    function Get-ClosedPort {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $port
    }

    # Accepts connections and never answers, until the listener is stopped.
    function Start-SilentServer {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $job = Start-ThreadJob -ArgumentList $listener {
            param($listener)
            $held = [System.Collections.Generic.List[object]]::new()
            try { while ($true) { $held.Add($listener.AcceptTcpClient()) } } catch [System.Net.Sockets.SocketException] { $held | ForEach-Object Dispose }
        }
        [pscustomobject]@{ Port = $listener.LocalEndpoint.Port; Listener = $listener; Job = $job }
    }

    function Stop-SilentServer($Server) {
        $Server.Listener.Stop()
        $Server.Job | Wait-Job -Timeout 5 | Remove-Job -Force
    }

    # Everything a person or a script could see of a command: every stream, and every error in
    # full (exception chain with stack, target object, category).
    function Invoke-Captured([scriptblock] $Command) {
        $VerbosePreference = 'Continue'; $DebugPreference = 'Continue'; $WarningPreference = 'Continue'; $InformationPreference = 'Continue'
        $records = & { & $Command } *>&1
        $text = foreach ($record in $records) {
            $record | Out-String
            if ($record -is [System.Management.Automation.ErrorRecord]) {
                $record.Exception.ToString()
                [string] $record.TargetObject
                $record.CategoryInfo | Out-String
                $record.ErrorDetails | Out-String
            }
        }
        [pscustomobject]@{ Records = $records; Text = $text -join "`n" }
    }

    function Get-LogText([string] $StatePath) {
        $folder = Join-Path $StatePath 'logs'
        if (Test-Path $folder) { (Get-ChildItem $folder -File -Recurse | Get-Content -Raw) -join "`n" } else { '' }
    }
}

Describe 'Secrets in URIs never reach an output stream, an error or the log' {
    It 'Get-PrometheusMetric against a closed port and a silent server' {
        $silent = Start-SilentServer
        try {
            $closed = Invoke-Captured { Get-PrometheusMetric -Uri "http://scraper:$Password@127.0.0.1:$(Get-ClosedPort)/metrics?token=$Token" }
            $timedOut = Invoke-Captured { Get-PrometheusMetric -Uri "http://scraper:$Password@127.0.0.1:$($silent.Port)/metrics?token=$Token" -TimeoutSec 0.5 }
        }
        finally { Stop-SilentServer $silent }

        foreach ($run in $closed, $timedOut) {
            $run.Records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | Should -Not -BeNullOrEmpty
            $run.Text | Should -Not -Match $Password
            $run.Text | Should -Not -Match $Token
            $run.Text | Should -Match ([regex]::Escape('[REDACTED]'))
        }
        $timeout = $timedOut.Records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | Select-Object -First 1
        $timeout.FullyQualifiedErrorId | Should -BeLike 'ScrapeFailed,*'
        $timeout.CategoryInfo.Category | Should -Be 'OperationTimeout'
        $timeout.Exception.Message | Should -Match '0\.5 s timeout'
    }

    It 'Invoke-PrometheusRule against a closed Prometheus' {
        $rules = Join-Path $TestDrive 'rules.yml'
        Set-Content $rules "groups:`n- name: g`n  rules:`n  - alert: Down`n    expr: up == 0`n"
        $state = Join-Path $TestDrive 'rule-state'
        $run = Invoke-Captured { Invoke-PrometheusRule -Path $rules -PrometheusUri "http://query:$Password@127.0.0.1:$(Get-ClosedPort)/?token=$Token" -StatePath $state -TimeoutSec 2 }

        $run.Text | Should -Match 'REDACTED'
        ($run.Text + (Get-LogText $state)) | Should -Not -Match $Password
        ($run.Text + (Get-LogText $state)) | Should -Not -Match $Token
    }

    It 'Test-ServiceHealth with a secret in the target and the Pushgateway URI' {
        $state = Join-Path $TestDrive 'health-state'
        $closed = Get-ClosedPort
        $run = Invoke-Captured {
            Test-ServiceHealth -Uri "http://check:$Password@127.0.0.1:$closed/health?api_key=$Token" -Name web -StatePath $state `
                -PushGatewayUri "http://push:$Password@127.0.0.1:$closed/?token=$Token" -TimeoutSec 2
        }

        $run.Records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | ForEach-Object FullyQualifiedErrorId | Should -BeLike 'PushGatewayFailed,*'
        $log = Get-LogText $state
        $log | Should -Not -BeNullOrEmpty
        ($run.Text + $log) | Should -Not -Match $Password
        ($run.Text + $log) | Should -Not -Match $Token
    }

    It 'Publish-Metric to a silent Pushgateway ends at -TimeoutSec, naming the masked target' {
        $silent = Start-SilentServer
        try {
            $run = Invoke-Captured { Publish-Metric -Uri "http://push:$Password@127.0.0.1:$($silent.Port)/" -TimeoutSec 0.5 }
        }
        finally { Stop-SilentServer $silent }

        $errorRecord = $run.Records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | Select-Object -First 1
        $errorRecord.FullyQualifiedErrorId | Should -BeLike 'PushGatewayFailed,*'
        $errorRecord.CategoryInfo.Category | Should -Be 'OperationTimeout'
        $errorRecord.Exception.Message | Should -Be "Pushgateway http://[REDACTED]@127.0.0.1:$($silent.Port)/ did not answer within the 0.5 s timeout"
        $run.Text | Should -Not -Match $Password
    }
}
