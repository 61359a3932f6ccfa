#Requires -Version 7.4
# Invoke-PrometheusRuleTest against the real promtool test rules (Debian's prometheus package, 2.42)
# over the corpus in rule-tests/: each file's name says the verdict (*.pass.yml, *.fail.yml), and
# promtool, Invoke-PrometheusRuleTest and the name must all agree.

BeforeDiscovery {
    $corpus = Join-Path $PSScriptRoot 'rule-tests'
    $script:RuleTestCases = @(Get-ChildItem $corpus -Filter *.yml -File | ForEach-Object {
            @{ Name = $_.Name; Path = $_.FullName; Pass = $_.Name -like '*.pass.yml' }
        })
    # The example unit tests pass: PrometheusRules.Tests.ps1 checks that with promtool too.
    $script:RuleTestCases += @{ Name = 'examples/prometheus/ops-health.rules.test.yml'; Pass = $true
        Path = (Resolve-Path (Join-Path $PSScriptRoot '..' '..' 'examples' 'prometheus' 'ops-health.rules.test.yml')).Path }
}

BeforeAll {
    if (-not $env:OPS_TEST_MODULE_PATH) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
    $script:Promtool = (Get-Command promtool -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source
    if (-not $Promtool) { throw 'promtool is not on PATH: it comes with the Debian prometheus package, which ./build.ps1 Test installs when it starts Prometheus.' }
    $script:CorpusDir = Join-Path $PSScriptRoot 'rule-tests'

    # stdout and stderr apart: promtool writes its failures to stderr and the blank lines between them to stdout.
    function Invoke-Promtool([string] $Path) {
        $start = [System.Diagnostics.ProcessStartInfo]::new($Promtool)
        'test', 'rules', $Path | ForEach-Object { $start.ArgumentList.Add($_) }
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($start)
        $stderr = $process.StandardError.ReadToEndAsync()
        $stdout = $process.StandardOutput.ReadToEnd()
        $process.WaitForExit()
        [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $stdout + $stderr.Result; Failures = ($stderr.Result -split '  FAILED:\r?\n', 2)[-1].TrimEnd() }
    }
}

Describe 'Invoke-PrometheusRuleTest agrees with promtool test rules' {
    It '<Name>: promtool, Invoke-PrometheusRuleTest and the file name give the same verdict' -ForEach $RuleTestCases {
        $promtool = Invoke-Promtool $Path
        $expected = if ($Pass) { 'pass' } else { 'fail' }
        ($promtool.ExitCode -eq 0) | Should -Be $Pass -Because "the file name says $expected and promtool said: $($promtool.Output)"

        $summary = Invoke-PrometheusRuleTest -Path $Path -Summary -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $summary | Should -BeOfType ([OpsAutomation.Models.Alerting.RuleTestFileSummary])
        $results = @(Invoke-PrometheusRuleTest -Path $Path -ErrorAction SilentlyContinue -ErrorVariable problems -WarningAction SilentlyContinue)
        $failures = $results | Where-Object { -not $_.Passed } | ForEach-Object { "$($_.TestGroup) $($_.Kind) $($_.Subject): $($_.Message)" }
        $summary.Passed | Should -Be $Pass -Because "promtool said: $($promtool.Output)`nours: $($failures -join "`n") $($problems -join "`n")"
        # The per-case results carry the same verdict: all passed and no error, exactly when the file passes.
        (($results.Count -eq 0 -or $results.Passed -notcontains $false) -and $problems.Count -eq 0) | Should -Be $Pass
    }
}

Describe 'Invoke-PrometheusRuleTest results' {
    It 'writes a typed result per case, passing ones included' {
        $results = Invoke-PrometheusRuleTest -Path (Join-Path $CorpusDir 'instance-down.pass.yml')
        $results | Should -BeOfType ([OpsAutomation.Models.Alerting.RuleTestResult])
        @($results | Where-Object Kind -EQ Alert).Count | Should -Be 5
        @($results | Where-Object Kind -EQ Expression).Count | Should -Be 4
        $results.Passed | Should -Not -Contain $false
        $results[0].TestGroup | Should -Be 'instance down'
        ($results | Where-Object { $_.Kind -eq 'Alert' -and $_.EvalTime -eq [timespan]'00:04:30' }).Subject | Should -Be 'InstanceDown'
    }

    It 'reports the failures of <File> in the words promtool prints' -ForEach @(
        @{ File = 'wrong-value.fail.yml' }, @{ File = 'wrong-annotation.fail.yml' }, @{ File = 'extra-alert.fail.yml' },
        @{ File = 'missing-alert.fail.yml' }, @{ File = 'pending-not-firing.fail.yml' }, @{ File = 'keep-firing.fail.yml' },
        @{ File = 'stale.fail.yml' }, @{ File = 'recording-chain.fail.yml' }, @{ File = 'nan.fail.yml' }) {
        $path = Join-Path $CorpusDir $File
        $promtool = Invoke-Promtool $path
        $promtool.ExitCode | Should -Be 1
        $actual = (Invoke-PrometheusRuleTest -Path $path | Where-Object { -not $_.Passed }).Message -join "`n"
        $actual | Should -BeExactly $promtool.Failures
    }

    It 'names an unnamed test group by its index, and fails a group whose rule fails at a step' {
        $result = Invoke-PrometheusRuleTest -Path (Join-Path $CorpusDir 'rule-eval-error.fail.yml')
        $result.Kind | Should -Be Evaluation
        $result.TestGroup | Should -Be '0'
        $result.Subject | Should -Be 'combined'
        $result.Message | Should -BeLike '*rule: combined, time: 0s, err: vector contains metrics with the same labelset after applying rule labels*'
    }

    It 'writes one RuleTestFileInvalid error naming file and line, and no result, for an invalid test file' {
        $results = Invoke-PrometheusRuleTest -Path (Join-Path $CorpusDir 'unknown-field.fail.yml') -ErrorVariable problems -ErrorAction SilentlyContinue
        $results | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'RuleTestFileInvalid,*'
        $problems[0].Exception.Message | Should -BeLike "*unknown-field.fail.yml:8: unknown field 'alert_rule_tests' in a test group*"
    }

    It 'warns about a rule_files pattern that matches nothing, as promtool does' {
        $null = Invoke-PrometheusRuleTest -Path (Join-Path $CorpusDir 'missing-rule-file.pass.yml') -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings.Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike '*no file match pattern*does-not-exist.yml'
    }

    It 'tests the files piped from Get-ChildItem, one summary each' {
        $summaries = Get-ChildItem $CorpusDir -Filter '*.pass.yml' | Invoke-PrometheusRuleTest -Summary -WarningAction SilentlyContinue
        @($summaries).Count | Should -Be @(Get-ChildItem $CorpusDir -Filter '*.pass.yml').Count
        $summaries.Passed | Should -Not -Contain $false
    }

    It 'shows results as a table of Passed, TestGroup, Kind, EvalTime, Subject' {
        $table = Invoke-PrometheusRuleTest -Path (Join-Path $CorpusDir 'wrong-value.fail.yml') | Format-Table | Out-String
        $table | Should -Match 'Passed\s+TestGroup\s+Kind\s+EvalTime\s+Subject'
        $table | Should -Match 'False\s+request rate\s+Expression'
    }
}

Describe 'Invoke-PrometheusRuleTest -Run' {
    BeforeAll {
        $script:Mixed = Join-Path $CorpusDir 'one-group-fails.fail.yml'
        # promtool 2.42 has no --run: the oracle is promtool on a copy that keeps only the selected group.
        $lines = Get-Content $Mixed
        $start = ($lines | Select-String -Pattern '^  - name: fails$').LineNumber - 1
        $rules = (Resolve-Path (Join-Path $CorpusDir 'rules' 'service.rules.yml')).Path
        $onlyPasses = Join-Path $TestDrive 'only-passes.yml'
        Set-Content $onlyPasses (($lines[0..($start - 1)] -join "`n").Replace('rules/service.rules.yml', $rules))
        $script:PassesVerdict = (Invoke-Promtool $onlyPasses).ExitCode
    }

    It 'runs only the groups whose name matches, with the verdict promtool gives the file cut to them' {
        $script:PassesVerdict | Should -Be 0
        $summary = Invoke-PrometheusRuleTest -Path $Mixed -Run '^pass' -Summary
        $summary.Passed | Should -BeTrue
        $summary.TestGroupCount | Should -Be 1
        (Invoke-PrometheusRuleTest -Path $Mixed -Run 'fail', 'nothing').TestGroup | Should -Be 'fails'
    }

    It 'refuses an invalid regular expression with RunPatternInvalid' {
        { Invoke-PrometheusRuleTest -Path $Mixed -Run '(' } | Should -Throw -ErrorId 'RunPatternInvalid,OpsAutomation.Commands.InvokePrometheusRuleTestCommand'
    }
}
