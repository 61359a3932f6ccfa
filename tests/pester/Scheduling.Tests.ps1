#Requires -Version 7.4
# The scheduling examples find PowerShell 7 whether it is installed system-wide or is the
# checkout's local dotnet tool. Each case runs examples/scheduling/run-pwsh.sh with a PATH made
# for it: a folder holding only the commands the case has.

BeforeAll {
    $script:Scheduling = Join-Path $PSScriptRoot '..' '..' 'examples' 'scheduling'
    $script:RunPwsh = Join-Path $Scheduling 'run-pwsh.sh'
    $script:Bash = (Get-Command bash -CommandType Application | Select-Object -First 1).Source

    # A PATH folder with links to these commands only (dirname is what the script itself needs).
    function New-PathFolder([string] $Name, [string[]] $Commands, [hashtable] $Scripts = @{}) {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive $Name)
        foreach ($command in @('dirname') + $Commands) {
            $source = (Get-Command $command -CommandType Application | Select-Object -First 1).Source
            New-Item -ItemType SymbolicLink -Path (Join-Path $folder $command) -Target $source | Out-Null
        }
        foreach ($name in $Scripts.Keys) {
            Set-Content (Join-Path $folder $name) "#!$Bash`n$($Scripts[$name])" -NoNewline
            chmod +x (Join-Path $folder $name)
        }
        $folder.FullName
    }

    function Invoke-RunPwsh([string] $Path, [string[]] $Arguments) {
        $saved = $env:PATH
        try {
            $env:PATH = $Path
            $output = & $Bash $RunPwsh @Arguments 2>&1 | Out-String
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output.Trim() }
        }
        finally { $env:PATH = $saved }
    }
}

Describe 'run-pwsh.sh' {
    It 'runs the checkout''s local tool through dotnet when no pwsh is on PATH' {
        $path = New-PathFolder 'dotnet-only' @('dotnet')
        $run = Invoke-RunPwsh $path @('-NoProfile', '-NonInteractive', '-Command', '"$PSHOME|$($PSVersionTable.PSVersion)|$PWD"')
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $toolHome, $version, $location = ($run.Output -split "`n")[-1].Split('|')
        $toolHome | Should -Be $PSHOME -Because 'the local tool is the PowerShell these tests run in'
        $version | Should -Be $PSVersionTable.PSVersion.ToString()
        $location | Should -Be (Resolve-Path (Join-Path $PSScriptRoot '..' '..')).Path -Because 'it runs from the repository root'
    }

    It 'prefers the pwsh installed system-wide when one is on PATH' {
        $path = New-PathFolder 'system-pwsh' @('dotnet') @{ pwsh = 'echo "system pwsh $*"' }
        $run = Invoke-RunPwsh $path @('-NoProfile', '-File', 'examples/ci-health-check.ps1')
        $run.ExitCode | Should -Be 0
        $run.Output | Should -Be 'system pwsh -NoProfile -File examples/ci-health-check.ps1'
    }

    It 'exits 127 and says what to install when there is neither' {
        $path = New-PathFolder 'nothing' @()
        $run = Invoke-RunPwsh $path @('-NoProfile')
        $run.ExitCode | Should -Be 127
        $run.Output | Should -Match 'no pwsh on PATH.*dotnet tool restore'
    }
}

Describe 'The schedulers' {
    It '<File> starts PowerShell through run-pwsh.sh' -ForEach @(
        @{ File = 'run-health-check.sh'; Pattern = '"\$root/examples/scheduling/run-pwsh.sh" -NoProfile' }
        @{ File = 'opsautomation-health.service'; Pattern = '(?m)^ExecStart=\S+/examples/scheduling/run-pwsh.sh -NoProfile' }
    ) {
        Get-Content (Join-Path $Scheduling $File) -Raw | Should -Match $Pattern
    }
}
