using System.Management.Automation;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Models.Pipelines;
using OpsAutomation.Pipelines;

namespace OpsAutomation.Commands;

/// <summary>Validates the records of a pipeline step's source against its rules without loading them, and writes each failure.</summary>
[Cmdlet(VerbsDiagnostic.Test, "DataRecord")]
[OutputType(typeof(ValidationFailure))]
public sealed class TestDataRecordCommand : OpsCmdlet
{
    /// <summary>The pipeline spec whose step's source and validation are used.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The step to check; needed when the spec has several.</summary>
    [Parameter]
    public string? Step { get; set; }

    /// <summary>The state directory (only the spec's file sinks would use it; nothing is written).</summary>
    [Parameter]
    public string? StatePath { get; set; }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        var specPath = ResolvePath(Path);
        var state = await OpenStateStoreAsync(LoadSettings(), cancellationToken).ConfigureAwait(false);
        var spec = PipelineSpecs.Read(runtime, specPath, state, new SecretRedactor());
        var step = PipelineSpecs.SelectStep(spec, Step, specPath);
        try
        {
            await foreach (var failure in RecordChecker.CheckAsync(step, cancellationToken).ConfigureAwait(false)) WriteObject(failure);
        }
        catch (Core.Pipelines.Sources.DataSourceException ex)
        {
            WriteError(new ErrorRecord(ex, "DataSourceUnreadable", ErrorCategory.ReadError, ex.Location));
        }
    }
}
