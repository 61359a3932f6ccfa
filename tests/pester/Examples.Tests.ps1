#Requires -Version 7.4
# The examples run as shown in README.md.

BeforeAll {
    $script:ModulePath = $env:OPS_TEST_MODULE_PATH
    if (-not $ModulePath) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test.' }
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $script:Examples = Join-Path $PSScriptRoot '..' '..' 'examples'
}

Describe 'examples/health-report.ps1' {
    It 'reports every service of the stack with its reason, and writes the report' -ForEach @(
        @{ File = 'report.md'; Row = '\| report-endpoint \| Http \| Healthy \| 200 \|' }
        @{ File = 'report.html'; Row = '<td[^>]*>report-endpoint</td>' }
        @{ File = 'report.json'; Row = '"name":\s*"report-endpoint"' }
    ) {
        $report = Join-Path $TestDrive $File
        $env:OPS_STATE_PATH = Join-Path $TestDrive 'state'
        $env:ELASTICSEARCH_URL = 'http://127.0.0.1:1'
        $env:KUBECONFIG = Join-Path $TestDrive 'no-kubeconfig'
        try {
            $output = & $Pwsh -NoProfile -NonInteractive -Command "Import-Module '$ModulePath'; & '$(Join-Path $Examples 'health-report.ps1')' -OutputPath '$report'" 2>&1 | Out-String
        }
        finally { Remove-Item env:OPS_STATE_PATH, env:ELASTICSEARCH_URL, env:KUBECONFIG }
        $LASTEXITCODE | Should -Be 0 -Because $output
        $output | Should -Match 'report-endpoint\s+Http\s+Healthy\s+200'
        $output | Should -Match 'dns-localhost\s+Dns\s+Healthy'
        $output | Should -Match 'elasticsearch\s+Elasticsearch\s+Unreachable.*Connection refused \(127\.0\.0\.1:1\)'
        $output | Should -Match 'kubernetes-api\s+Kubernetes\s+Unhealthy.*no-kubeconfig'
        $output | Should -Match 'Summary: 9 results'
        Get-Content $report -Raw | Should -Match $Row
    }
}

Describe 'Every example script' {
    It '<Name> has help that Get-Help shows' -ForEach @(
        Get-ChildItem (Join-Path $PSScriptRoot '..' '..' 'examples') -Recurse -Filter *.ps1 |
            ForEach-Object { @{ Name = [IO.Path]::GetRelativePath((Join-Path $PSScriptRoot '..' '..'), $_.FullName); Path = $_.FullName } }
    ) {
        # A help block right after a #Requires line is not help: Get-Help then shows only the syntax.
        $help = Get-Help $Path
        $help.Synopsis | Should -Not -BeLike "$(Split-Path $Path -Leaf)*" -Because 'the synopsis is the script''s own words, not its syntax'
        @($help.Examples.Example).Count | Should -BeGreaterThan 0
    }
}
