#Requires -Version 7.4
# The module as a session sees it: dependency isolation, removal and re-import, and two
# processes sharing one state store. Each case runs in a fresh pwsh so nothing is preloaded.

BeforeAll {
    $script:ModulePath = $env:OPS_TEST_MODULE_PATH
    if (-not $ModulePath) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test.' }
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

    function Invoke-FreshPwsh([string] $Script) {
        $output = & $Pwsh -NoProfile -NonInteractive -Command $Script 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
    }
}

Describe 'Dependency isolation' {
    It 'works when an older YamlDotNet is already loaded in the session' {
        $legacy = $env:OPS_TEST_LEGACY_YAMLDOTNET
        $legacy | Should -Exist -Because 'build.ps1 Test restores YamlDotNet 13 for this test'
        $catalog = Join-Path $TestDrive 'catalog.yaml'
        Set-Content $catalog "Services:`n  - Name: resolver`n    Kind: Dns`n    Uri: localhost`n"
        $run = Invoke-FreshPwsh @"
`$old = Add-Type -Path '$legacy' -PassThru | Select-Object -First 1
'preloaded=' + `$old.Assembly.GetName().Version.Major
Import-Module '$ModulePath'
`$r = Test-ServiceHealth -Path '$catalog' -StatePath '$(Join-Path $TestDrive 'iso')'
'status=' + `$r.Status
`$loaded = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'YamlDotNet' }
'copies=' + @(`$loaded).Count
"@
        $run.Output | Should -Match 'preloaded=13'
        $run.Output | Should -Match 'status=Healthy'
        $run.Output | Should -Match 'copies=2'
        $run.ExitCode | Should -Be 0
    }

    It 'keeps the result types in the default context, where PowerShell sees them' {
        $run = Invoke-FreshPwsh @"
Import-Module '$ModulePath'
[System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext([OpsAutomation.Models.Health.HealthCheckResult].Assembly).Name
`$null = Test-ServiceHealth -Uri dns://localhost -NoHistory
[System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'OpsAutomation.Core' })).Name
"@
        $run.Output | Should -Match 'Default'
        $run.Output | Should -Match 'OpsAutomation.Dependencies'
    }

    It 'can be removed and imported again in the same session' {
        $run = Invoke-FreshPwsh @"
Import-Module '$ModulePath'
(Test-ServiceHealth -Uri dns://localhost -NoHistory).Status
Remove-Module OpsAutomation
Import-Module '$ModulePath'
(Test-ServiceHealth -Uri dns://localhost -NoHistory).Status
"@
        ([regex]::Matches($run.Output, 'Healthy')).Count | Should -Be 2 -Because $run.Output
        $run.ExitCode | Should -Be 0
    }

    It 'can be imported again with -Force before any command ran' {
        $run = Invoke-FreshPwsh @"
Import-Module '$ModulePath' -Force
Import-Module '$ModulePath' -Force
(Test-ServiceHealth -Uri dns://localhost -NoHistory).Status
"@
        $run.Output | Should -Match 'Healthy'
        $run.Output | Should -Not -Match 'Could not load'
        $run.ExitCode | Should -Be 0
    }
}

Describe 'State store' {
    It 'keeps every result when two processes write at once' {
        $state = Join-Path $TestDrive 'shared-state'
        $writer = "Import-Module '$ModulePath'; 1..15 | ForEach-Object { `$null = Test-ServiceHealth -Uri dns://localhost, tcp://127.0.0.1:1 -TimeoutSec 2 -StatePath '$state' }"
        $jobs = 1..2 | ForEach-Object { Start-Job -ScriptBlock { param($pwsh, $script) & $pwsh -NoProfile -NonInteractive -Command $script; $LASTEXITCODE } -ArgumentList $Pwsh, $writer }
        $exitCodes = $jobs | Wait-Job -Timeout 300 | Receive-Job
        $jobs | Remove-Job -Force
        $exitCodes | Should -Be @(0, 0)
        # Count rows with the module's own SQLite, from its private load context.
        $rows = Invoke-FreshPwsh @"
Import-Module '$ModulePath'
`$null = Test-ServiceHealth -Uri dns://localhost -NoHistory
`$alc = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'OpsAutomation.Dependencies'
`$sqlite = `$alc.LoadFromAssemblyName([System.Reflection.AssemblyName]::new('Microsoft.Data.Sqlite'))
`$connection = [Activator]::CreateInstance(`$sqlite.GetType('Microsoft.Data.Sqlite.SqliteConnection'), @('Data Source=$(Join-Path $state 'opsautomation.db');Mode=ReadOnly'))
`$connection.Open()
`$command = `$connection.CreateCommand()
`$command.CommandText = 'SELECT COUNT(*) FROM health_history'
'rows=' + `$command.ExecuteScalar()
`$connection.Dispose()
"@
        $rows.Output | Should -Match 'rows=60\b' -Because $rows.Output
    }
}

Describe 'Manifest' {
    BeforeAll {
        $script:Manifest = Import-PowerShellDataFile $ModulePath
        $script:Nouns = @($Manifest.CmdletsToExport | ForEach-Object { ($_ -split '-', 2)[1] })
    }

    It 'describes only what the module exports: <Area> only with a cmdlet for it' -ForEach @(
        @{ Area = 'deployment'; Noun = 'Deployment' }, @{ Area = 'incident'; Noun = 'Incident' }
    ) {
        if (-not ($Nouns -like "*$Noun*")) {
            $Manifest.Description | Should -Not -Match $Area -Because "no cmdlet works with $($Noun)s yet"
        }
    }

    It 'tags only the platforms the tests ran on' {
        # The tests run on Linux only (README, Where it was run); a platform tag is a claim.
        $Manifest.PrivateData.PSData.Tags | Should -Not -Contain 'Windows'
        $Manifest.PrivateData.PSData.Tags | Should -Not -Contain 'MacOS'
        $Manifest.PrivateData.PSData.Tags | Should -Contain 'Linux'
    }
}

Describe 'Cold start' {
    It 'runs a health check on ahead-of-time code: no method of its own that is not generic is JIT-compiled' {
        # The build compiles every assembly for the OS, CPU and .NET major it runs on; the runtime's JIT
        # summary lists what it compiled anyway. Generic instantiations over types of another assembly
        # cannot be compiled ahead of time, so they are left out.
        $summary = Join-Path $TestDrive 'jit.txt'
        $env:DOTNET_JitDisasmSummary = '1'
        $env:DOTNET_JitStdOutFile = $summary
        try { $run = Invoke-FreshPwsh "Import-Module '$ModulePath'; (Test-ServiceHealth -Uri dns://localhost -NoHistory).Status" }
        finally { Remove-Item Env:DOTNET_JitDisasmSummary, Env:DOTNET_JitStdOutFile }
        $run.Output | Should -Match 'Healthy'
        $ours = @(Get-Content $summary | Where-Object { $_ -match 'JIT compiled OpsAutomation' })
        $ours.Count | Should -BeGreaterThan 0 -Because 'the summary lists our generic instantiations, so it was written'
        $nonGeneric = @($ours | Where-Object { $_ -match 'JIT compiled OpsAutomation[^\[(]*\(' -and $_ -notmatch '\[Tier1' })
        $nonGeneric | Should -BeNullOrEmpty
    }

    It 'loads none of the deployment, database or schema libraries for a health check that needs none' {
        $run = Invoke-FreshPwsh @"
Import-Module '$ModulePath'
`$null = Test-ServiceHealth -Uri dns://localhost -NoHistory
'loaded=' + ([AppDomain]::CurrentDomain.GetAssemblies().GetName().Name -join ',')
"@
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $loaded = (($run.Output -split "`n" | Where-Object { $_ -like 'loaded=*' }) -replace '^loaded=', '').Trim() -split ','
        $loaded | Should -Contain 'OpsAutomation.Core'
        foreach ($library in 'KubernetesClient', 'Docker.DotNet', 'Npgsql', 'JsonSchema.Net', 'YamlDotNet') {
            $loaded | Should -Not -Contain $library
        }
    }
}
