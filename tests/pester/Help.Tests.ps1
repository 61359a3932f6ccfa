#Requires -Version 7.4
# Every exported cmdlet has the help a person expects from Get-Help and -?.

BeforeDiscovery {
    # Read from the manifest at discovery time, so each cmdlet is its own test case.
    $manifest = $env:OPS_TEST_MODULE_PATH
    if (-not $manifest) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    $script:Cmdlets = @((Import-PowerShellDataFile $manifest).CmdletsToExport | ForEach-Object { @{ Name = $_ } })
    $script:Topics = @(Get-ChildItem (Join-Path $PSScriptRoot '..' '..' 'docs') -Filter 'about_*.md' | ForEach-Object { @{ Topic = $_.BaseName } })
}

BeforeAll {
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
    $script:Docs = Join-Path $PSScriptRoot '..' '..' 'docs'
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

    It 'has a HelpUri naming its page in the repository' {
        $uri = (Get-Command $Name -Module OpsAutomation).HelpUri
        $uri | Should -Be "docs/$Name.md"
        Join-Path $Docs '..' $uri | Should -Exist
    }

    It 'shows a default value for every optional parameter' {
        $command = Get-Command $Name -Module OpsAutomation
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        foreach ($parameter in $command.Parameters.Values | Where-Object { $_.Name -notin $common }) {
            $optional = -not ($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.Mandatory })
            if ($optional) {
                (Get-Help $Name -Parameter $parameter.Name).defaultValue | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs a default value in its help"
            }
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

Describe 'Default values in parameter help' {
    It '<Command> -<Parameter> shows "Default value <Expected>"' -ForEach @(
        @{ Command = 'Test-ServiceHealth'; Parameter = 'TimeoutSec'; Expected = '10' }
        @{ Command = 'Get-ServiceHealthHistory'; Parameter = 'Last'; Expected = '1000' }
        @{ Command = 'Get-ServiceHealthSummary'; Parameter = 'Window'; Expected = '24 hours' }
        @{ Command = 'New-HealthReport'; Parameter = 'Format'; Expected = 'Markdown' }
        @{ Command = 'Publish-Metric'; Parameter = 'Method'; Expected = 'Put' }
        @{ Command = 'Assert-ServiceHealth'; Parameter = 'FailOnDegraded'; Expected = 'False' }
    ) {
        (Get-Help $Command -Parameter $Parameter | Out-String) -replace '\s+', ' ' | Should -Match "Default value $([regex]::Escape($Expected)) "
    }
}

Describe 'About topic <Topic>' -ForEach $Topics {
    It 'is found by Get-Help after Import-Module, with its short description' {
        $text = Get-Help $Topic | Out-String
        $text | Should -Match "TOPIC\s+$Topic"
        $text | Should -Match 'SHORT DESCRIPTION'
        $text | Should -Not -Match '```' -Because 'markdown fences are left out'
        (Get-Help "$Topic*" | Where-Object Name -EQ $Topic).Synopsis | Should -Not -BeNullOrEmpty
    }
}

Describe 'Online help' {
    It 'the generator turns each HelpUri into an address under -OnlineBaseUri' {
        $output = Join-Path $TestDrive 'en-US' 'OpsAutomation.dll-Help.xml'
        $pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
        & $pwsh -NoProfile -NonInteractive -File (Join-Path $Docs 'ConvertTo-MamlHelp.ps1') -ModulePath $env:OPS_TEST_MODULE_PATH -DocsPath $Docs `
            -OutputPath $output -OnlineBaseUri 'https://opsautomation.example/repository/blob/main/'
        $LASTEXITCODE | Should -Be 0
        [xml] $maml = Get-Content $output -Raw
        $namespaces = [System.Xml.XmlNamespaceManager]::new($maml.NameTable)
        $namespaces.AddNamespace('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
        $namespaces.AddNamespace('maml', 'http://schemas.microsoft.com/maml/2004/10')
        $command = $maml.SelectSingleNode("//command:command[command:details/command:name='Get-ServiceHealthHistory']", $namespaces)
        $command.SelectSingleNode('maml:relatedLinks/maml:navigationLink/maml:uri', $namespaces).InnerText |
            Should -Be 'https://opsautomation.example/repository/blob/main/docs/Get-ServiceHealthHistory.md'
        Join-Path $TestDrive 'en-US' 'about_OpsAutomation_PromQL.help.txt' | Should -Exist
    }
}
