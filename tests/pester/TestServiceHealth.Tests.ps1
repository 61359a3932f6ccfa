#Requires -Version 7.4
# What a person sees of Test-ServiceHealth: help, the table view, pipeline binding, error ids,
# and checks of the real Prometheus and Pushgateway that ./build.ps1 Test starts.

BeforeAll {
    $modulePath = $env:OPS_TEST_MODULE_PATH
    if (-not $modulePath) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    Import-Module $modulePath -Force
    $script:State = Join-Path $TestDrive 'state'
}

Describe 'Tab completion' {
    BeforeAll {
        $catalogDir = New-Item -ItemType Directory (Join-Path $TestDrive 'catalogs') -Force
        Set-Content (Join-Path $catalogDir 'app.yaml') "Services:`n  - Name: elasticsearch`n    Uri: http://127.0.0.1:1/`n  - Name: grafana`n    Uri: http://127.0.0.1:2/`n"
    }

    It 'completes -Name from the catalog given by a path relative to the current location' {
        Push-Location $catalogDir
        try {
            $line = 'Test-ServiceHealth -Path ./app.yaml -Name el'
            $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        }
        finally { Pop-Location }
        $completions | Should -Be @('elasticsearch')
    }
}

Describe 'Output' {
    It 'shows results in the default table view' {
        $text = Test-ServiceHealth -Uri dns://localhost -StatePath $State | Out-String
        $text | Should -Match 'Name\s+Kind\s+Status\s+Code\s+Time\(ms\)\s+Reason'
        $text | Should -Match 'localhost\s+Dns\s+Healthy'
    }

    It 'returns typed results that -is can test' {
        $result = Test-ServiceHealth -Uri dns://localhost -StatePath $State
        $result | Should -BeOfType ([OpsAutomation.Models.Health.HealthCheckResult])
        $result.ResponseTimeMs | Should -BeOfType ([double])
    }

    It 'binds the rows of Import-Csv by property name' {
        $csv = Join-Path $TestDrive 'targets.csv'
        @(
            [pscustomobject]@{ Name = 'resolver'; Uri = 'dns://localhost'; Kind = 'Dns' }
            [pscustomobject]@{ Name = 'closed-port'; Uri = '127.0.0.1:1'; Kind = '' }
        ) | Export-Csv $csv
        $results = Import-Csv $csv | Test-ServiceHealth -StatePath $State -TimeoutSec 3
        $results.Count | Should -Be 2
        ($results | Where-Object Name -EQ 'resolver').Status | Should -Be 'Healthy'
        $closed = $results | Where-Object Name -EQ 'closed-port'
        $closed.Kind | Should -Be 'Tcp'
        $closed.Status | Should -Be 'Unreachable'
        $closed.ErrorKind | Should -Be 'ConnectionRefused'
    }
}

Describe 'Errors' {
    It 'a malformed -Uri is a terminating HealthCheckTargetInvalid error naming it' {
        { Test-ServiceHealth -Uri 'http//nowhere' -StatePath $State } | Should -Throw -ErrorId 'HealthCheckTargetInvalid,OpsAutomation.Commands.TestServiceHealthCommand' -ExpectedMessage '*http//nowhere*'
    }

    It 'a negative timeout is refused, naming the value' {
        { Test-ServiceHealth -Uri dns://localhost -TimeoutSec -1 -StatePath $State } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,OpsAutomation.Commands.TestServiceHealthCommand' -ExpectedMessage "*'TimeoutSec'*-1*"
    }

    It 'an unknown kind is refused, naming it' {
        { Test-ServiceHealth -Uri http://127.0.0.1:1/ -Kind Ftp -StatePath $State } | Should -Throw -ErrorId 'HealthCheckTargetInvalid,OpsAutomation.Commands.TestServiceHealthCommand' -ExpectedMessage "*unknown kind 'Ftp'*"
    }

    It 'duplicate names in a catalog are a CatalogInvalid error naming the name' {
        $catalog = Join-Path $TestDrive 'dup.yaml'
        Set-Content $catalog "Services:`n  - Name: web`n    Uri: http://127.0.0.1:1/`n  - Name: web`n    Uri: http://127.0.0.1:2/`n"
        { Test-ServiceHealth -Path $catalog -StatePath $State } | Should -Throw -ErrorId 'CatalogInvalid,OpsAutomation.Commands.TestServiceHealthCommand' -ExpectedMessage "*duplicate service name 'web'*"
    }

    It 'a missing secret reference fails that service only, naming the reference' {
        $catalog = Join-Path $TestDrive 'secret.psd1'
        Set-Content $catalog "@{ Services = @( @{ Name = 'es'; Uri = 'http://127.0.0.1:1/'; Credential = @{ UserName = 'elastic'; Password = 'env:OPS_PESTER_UNSET_SECRET' } }; @{ Name = 'dns'; Uri = 'dns://localhost' } ) }"
        $results = Test-ServiceHealth -Path $catalog -StatePath $State
        ($results | Where-Object Name -EQ 'dns').Status | Should -Be 'Healthy'
        $es = $results | Where-Object Name -EQ 'es'
        $es.Status | Should -Be 'Unhealthy'
        $es.ErrorKind | Should -Be 'Configuration'
        $es.Error | Should -BeLike "*'env:OPS_PESTER_UNSET_SECRET'*"
    }

    It 'a -BearerToken reference that does not resolve is SecretReferenceUnresolved' {
        { Test-ServiceHealth -Uri http://127.0.0.1:1/ -BearerToken env:OPS_PESTER_UNSET_SECRET -StatePath $State } |
            Should -Throw -ErrorId 'SecretReferenceUnresolved,OpsAutomation.Commands.TestServiceHealthCommand' -ExpectedMessage '*-BearerToken*OPS_PESTER_UNSET_SECRET*'
    }

    It 'a secret never reaches a result, the log or the error stream' {
        $env:OPS_PESTER_SECRET = 'pester-very-secret-77'
        try {
            $catalog = Join-Path $TestDrive 'auth.psd1'
            Set-Content $catalog "@{ Services = @( @{ Name = 'api'; Uri = 'http://127.0.0.1:1/?api_key=key-in-url-123'; Headers = @{ Authorization = 'env:OPS_PESTER_SECRET' } } ) }"
            $state = Join-Path $TestDrive 'secret-state'
            $result = Test-ServiceHealth -Path $catalog -StatePath $state -Verbose 4>&1
            $everything = ($result | Out-String) + (($result | ConvertTo-Json -Depth 5 -WarningAction Ignore) -join '') +
                (Get-ChildItem (Join-Path $state 'logs') -File | Get-Content -Raw)
            $everything | Should -Not -Match 'pester-very-secret-77'
            $everything | Should -Not -Match 'key-in-url-123'
            $everything | Should -Match 'REDACTED'
        }
        finally { Remove-Item env:OPS_PESTER_SECRET }
    }
}

Describe 'Against the real Prometheus and Pushgateway' {
    BeforeAll {
        $script:Prometheus = $env:OPS_TEST_PROMETHEUS_URL
        $script:Pushgateway = $env:OPS_TEST_PUSHGATEWAY_URL
        if (-not $Prometheus -or -not $Pushgateway) { throw 'Needs Prometheus and Pushgateway: ./build.ps1 Test starts them and sets OPS_TEST_PROMETHEUS_URL and OPS_TEST_PUSHGATEWAY_URL.' }
    }

    It 'Prometheus /-/healthy and /-/ready are Healthy' {
        $results = Test-ServiceHealth -Uri "$Prometheus/-/healthy", "$Prometheus/-/ready" -Name healthy, ready -BodyPattern 'Prometheus' -StatePath $State
        $results.Status | Should -Be @('Healthy', 'Healthy')
        $results.StatusCode | Should -Be @(200, 200)
    }

    It 'pushes the run''s metrics, visible through the Pushgateway''s own API' {
        $name = "pester-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        Test-ServiceHealth -Uri "$Prometheus/-/ready" -Name $name -PushGatewayUri $Pushgateway -StatePath $State | Out-Null
        $groups = (Invoke-RestMethod "$Pushgateway/api/v1/metrics").data | Where-Object { $_.labels.job -eq 'opsautomation' }
        $up = $groups.ops_health_up.metrics | Where-Object { $_.labels.service -eq $name }
        $up.value | Should -Be '1'
        $checks = $groups.ops_health_checks_total.metrics | Where-Object { $_.labels.service -eq $name -and $_.labels.outcome -eq 'healthy' }
        [double] $checks.value | Should -BeGreaterOrEqual 1
    }
}
