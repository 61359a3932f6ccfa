using System.Management.Automation;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Spec;
using OpsAutomation.Core.State;
using OpsAutomation.Models.Pipelines;

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
        PipelineSpec spec;
        try
        {
            spec = PipelineSpecReader.Read(runtime.Configuration.ReadMap(specPath), specPath, System.IO.Path.GetDirectoryName(specPath)!, new PipelineSpecContext
            {
                Checkpoints = new PipelineCheckpointStore(state),
                Time = runtime.Time,
                Secrets = new SecretResolver(),
                Redactor = new SecretRedactor(),
                Http = runtime.Http,
            });
        }
        catch (ConfigurationException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "PipelineSpecInvalid", specPath));
        }
        var steps = spec.Plan.Steps;
        var step = Step is null
            ? steps.Count == 1 ? steps[0] : throw ErrorRecords.Terminating(new ErrorRecord(
                new ArgumentException($"'{specPath}' has {steps.Count} steps ({string.Join(", ", steps.Select(s => s.Name))}); name one with -Step."),
                "PipelineStepRequired", ErrorCategory.InvalidArgument, specPath))
            : steps.FirstOrDefault(s => s.Name.Equals(Step, StringComparison.OrdinalIgnoreCase)) ?? throw ErrorRecords.Terminating(new ErrorRecord(
                new ArgumentException($"'{specPath}' has no step '{Step}'; its steps are {string.Join(", ", steps.Select(s => s.Name))}."),
                "PipelineStepNotFound", ErrorCategory.ObjectNotFound, Step));
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
