#Requires -Version 7.4
# The package ./build.ps1 Package writes, installed as a person installs a module for everyday
# use: a repository registered with PSResourceGet, Install-PSResource, then Import-Module by name.
# It all runs in a fresh pwsh whose home is a temp folder, so the user's repositories and
# modules are never touched.

BeforeAll {
    $script:Package = $env:OPS_TEST_PACKAGE_PATH
    if (-not $Package) { throw 'OPS_TEST_PACKAGE_PATH is not set: run through ./build.ps1 Test, which packages the built module first.' }
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $script:Version = (Import-PowerShellDataFile $env:OPS_TEST_MODULE_PATH).ModuleVersion
}

Describe 'The module package' {
    It 'is a .nupkg of the built module with its manifest, help and dependencies' {
        $Package | Should -Exist
        Split-Path $Package -Leaf | Should -Be "OpsAutomation.$Version.nupkg"
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($Package)
        try { $entries = @($zip.Entries.FullName) } finally { $zip.Dispose() }
        foreach ($file in 'OpsAutomation.nuspec', 'OpsAutomation.psd1', 'OpsAutomation.dll', 'OpsAutomation.Models.dll', 'OpsAutomation.Format.ps1xml',
            'en-US/OpsAutomation.dll-Help.xml', 'en-US/about_OpsAutomation_PromQL.help.txt', 'Dependencies/OpsAutomation.Core.dll') {
            $entries | Should -Contain $file
        }
    }

    It 'installs from a local repository with Install-PSResource and imports by name' {
        $userHome = New-Item -ItemType Directory (Join-Path $TestDrive 'home')
        # .NET reads a missing data folder as none, and PSResourceGet would then keep its
        # repository list in the current directory.
        $dataHome = New-Item -ItemType Directory (Join-Path $userHome '.local' 'share') -Force
        $repository = New-Item -ItemType Directory (Join-Path $TestDrive 'repository')
        Copy-Item $Package $repository
        $script = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name OpsAutomationLocal -Uri '$repository' -Trusted
Install-PSResource -Name OpsAutomation -Repository OpsAutomationLocal -Scope CurrentUser -TrustRepository -Quiet
Import-Module OpsAutomation
'installed=' + (Get-Module OpsAutomation).ModuleBase
'status=' + (Test-ServiceHealth -Uri dns://localhost -NoHistory).Status
'help=' + ((Get-Help about_OpsAutomation_PromQL | Out-String) -match 'SHORT DESCRIPTION')
"@
        # HOME and XDG_DATA_HOME hold PSResourceGet's repository list and the CurrentUser modules.
        $saved = $env:HOME, $env:XDG_DATA_HOME
        try {
            $env:HOME = $userHome; $env:XDG_DATA_HOME = $dataHome.FullName
            Push-Location $TestDrive
            $output = & $Pwsh -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
            $exit = $LASTEXITCODE
        }
        finally { Pop-Location; $env:HOME, $env:XDG_DATA_HOME = $saved }
        $exit | Should -Be 0 -Because $output
        $output | Should -Match "installed=$([regex]::Escape($userHome.FullName)).*OpsAutomation[\\/]$([regex]::Escape($Version))"
        $output | Should -Match 'status=Healthy'
        $output | Should -Match 'help=True'
        Join-Path $dataHome 'PSResourceGet' 'PSResourceRepository.xml' | Should -Exist -Because 'the repository is registered in the temp home only'
    }
}
