#Requires -Version 7.4
# The async base every cmdlet stands on, seen through a small cmdlet compiled here against the built module:
# a phase that finishes without waiting runs on the pipeline thread, and what a phase writes while it starts
# reaches the pipeline after it returns, so a downstream stop never lands in the phase's own catch block.

BeforeAll {
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
    $source = @'
using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

[Cmdlet("Test", "OpsPhase")]
public sealed class TestOpsPhaseCommand : OpsAutomation.OpsCmdlet
{
    public static int Caught;

    [Parameter(ValueFromPipeline = true)]
    public object InputObject { get; set; }

    [Parameter]
    public int Count { get; set; } = 1;

    [Parameter]
    public SwitchParameter Wait { get; set; }

    [Parameter]
    public string Fail { get; set; }

    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        if (Fail != null) throw new InvalidOperationException(Fail);
        if (Wait) await Task.Delay(1, cancellationToken);
        for (var i = 0; i < Count; i++)
        {
            try
            {
                var result = new PSObject();
                result.Properties.Add(new PSNoteProperty("Input", InputObject));
                result.Properties.Add(new PSNoteProperty("Thread", Environment.CurrentManagedThreadId));
                WriteObject(result);
            }
            catch (Exception)
            {
                Caught++;
                throw;
            }
        }
    }
}
'@
    $type = Add-Type -TypeDefinition $source -ReferencedAssemblies ([OpsAutomation.OpsCmdlet].Assembly.Location), ([psobject].Assembly.Location) -IgnoreWarnings -PassThru | Select-Object -First 1
    Import-Module -Assembly $type.Assembly
}

Describe 'A phase of an OpsAutomation cmdlet' {
    It 'runs on the pipeline thread when it finishes without waiting' {
        $seen = 1..3 | Test-OpsPhase | ForEach-Object { [pscustomobject]@{ Input = $_.Input; Phase = $_.Thread; Pipeline = [Environment]::CurrentManagedThreadId } }

        $seen.Input | Should -Be 1, 2, 3
        $seen | ForEach-Object { $_.Phase | Should -Be $_.Pipeline }
    }

    It 'writes in input order when it waits' {
        (1..5 | Test-OpsPhase -Wait -Count 2).Input | Should -Be 1, 1, 2, 2, 3, 3, 4, 4, 5, 5
    }

    It 'never sees a downstream stop in its own catch block' {
        [TestOpsPhaseCommand]::Caught = 0

        $first = @(Test-OpsPhase -InputObject 'x' -Count 5 | Select-Object -First 1)

        $first.Count | Should -Be 1
        [TestOpsPhaseCommand]::Caught | Should -Be 0
    }

    It 'ends the pipeline with its own exception when it throws before waiting' {
        { 'x' | Test-OpsPhase -Fail 'bad input 42' } | Should -Throw 'bad input 42'
    }
}
