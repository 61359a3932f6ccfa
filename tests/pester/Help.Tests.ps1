#Requires -Version 7.4
# Every exported cmdlet has the help a person expects from Get-Help and -?.

BeforeDiscovery {
    # Read from the manifest at discovery time, so each cmdlet is its own test case.
    $manifest = $env:OPS_TEST_MODULE_PATH
    if (-not $manifest) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    $script:Cmdlets = @((Import-PowerShellDataFile $manifest).CmdletsToExport | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
}

Describe 'Help of <Name>' -ForEach $Cmdlets {
    It 'is exported' {
        Get-Command $Name -Module OpsAutomation -CommandType Cmdlet | Should -Not -BeNullOrEmpty
    }

    It 'has a synopsis, a description, two examples and every parameter described' {
        $command = Get-Command $Name -Module OpsAutomation
        $help = Get-Help $Name -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^\s*$Name \[" -Because 'a synopsis written for people, not the generated syntax'
        ($help.description.Text -join ' ') | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        foreach ($parameter in $command.Parameters.Keys | Where-Object { $_ -notin $common }) {
            ($help.parameters.parameter | Where-Object name -EQ $parameter).description.Text | Should -Not -BeNullOrEmpty -Because "-$parameter needs a description"
        }
    }

    It '-? shows the synopsis' {
        $synopsis = (Get-Help $Name).Synopsis
        (& $Name -? | Out-String) | Should -Match ([regex]::Escape($synopsis.Substring(0, [Math]::Min(40, $synopsis.Length))))
    }
}

Describe 'Test-ServiceHealth help' {
    It 'names the kinds of service it checks' {
        (Test-ServiceHealth -? | Out-String) | Should -Match 'Checks services concurrently'
    }
}
