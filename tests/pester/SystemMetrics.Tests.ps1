#Requires -Version 7.4
# Get-SystemMetrics as a person uses it: typed samples, counts and streams, the table view and
# parameter errors. Its values are compared with the real node_exporter in
# tests/OpsAutomation.Core.Tests/Metrics/Machine/NodeExporterComparisonTests.cs.

BeforeAll {
    $modulePath = $env:OPS_TEST_MODULE_PATH
    if (-not $modulePath) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    Import-Module $modulePath -Force
}

Describe 'Get-SystemMetrics' {
    It 'returns one typed sample of this machine by default' {
        $samples = @(Get-SystemMetrics -SampleIntervalSec 0.2)

        $samples.Count | Should -Be 1
        $sample = $samples[0]
        $sample | Should -BeOfType ([OpsAutomation.Models.Metrics.SystemMetrics])
        $sample.HostName | Should -Be ([Environment]::MachineName)
        $sample.Memory.TotalBytes | Should -BeGreaterThan 0
        $sample.Memory.UsedPercent | Should -BeGreaterThan 0
        $sample.Cpu.CoreBusyPercent.Count | Should -BeGreaterOrEqual 1
        $sample.ProcessCount | Should -BeGreaterThan 1
        $sample.Uptime | Should -BeGreaterThan ([TimeSpan]::Zero)
        $sample.Network.Name | Should -Contain 'lo'
    }

    It 'reports the root filesystem of a Linux machine with df''s numbers' -Tag 'Platform' -Skip:(-not $IsLinux) {
        $root = (Get-SystemMetrics -SampleIntervalSec 0.2).Disks | Where-Object MountPoint -eq '/'
        $root | Should -Not -BeNullOrEmpty
        $root.SizeBytes | Should -BeGreaterThan $root.UsedBytes
        $root.UsedPercent | Should -BeExactly (100.0 * $root.UsedBytes / ($root.UsedBytes + $root.FreeBytes))
    }

    It '-Count takes that many samples, one after the other' {
        $samples = @(Get-SystemMetrics -SampleIntervalSec 0.2 -Count 2)

        $samples.Count | Should -Be 2
        $samples[1].Timestamp | Should -BeGreaterThan $samples[0].Timestamp
    }

    It '-Continuous streams until the pipeline stops it' {
        $samples = @(Get-SystemMetrics -SampleIntervalSec 0.2 -Continuous | Select-Object -First 3)

        $samples.Count | Should -Be 3
    }

    It 'shows the default table with host, CPU, memory, load, disk and network columns' {
        $table = Get-SystemMetrics -SampleIntervalSec 0.2 | Out-String -Width 200

        $table | Should -Match 'HostName\s+CPU%\s+Mem%\s+Load1\s+DiskMax%\s+NetRx\(KB/s\)\s+NetTx\(KB/s\)'
        $table | Should -Match ([regex]::Escape([Environment]::MachineName))
    }

    It 'refuses -Count together with -Continuous' {
        { Get-SystemMetrics -Count 2 -Continuous } | Should -Throw -ErrorId 'AmbiguousParameterSet,OpsAutomation.Commands.GetSystemMetricsCommand'
    }

    It 'refuses an interval below 0.1 s' {
        { Get-SystemMetrics -SampleIntervalSec 0.05 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,OpsAutomation.Commands.GetSystemMetricsCommand'
    }
}
