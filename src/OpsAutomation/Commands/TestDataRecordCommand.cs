using System.Collections;
using System.Management.Automation;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Models.Pipelines;
using OpsAutomation.Pipelines;

namespace OpsAutomation.Commands;

/// <summary>Validates the records of a pipeline step's source against its rules without loading them, and writes each failure.</summary>
[Cmdlet(VerbsDiagnostic.Test, "DataRecord", HelpUri = "docs/Test-DataRecord.md", DefaultParameterSetName = SpecSet)]
[OutputType(typeof(ValidationFailure))]
public sealed class TestDataRecordCommand : OpsCmdlet
{
    private const string SpecSet = "Spec", DefinitionSet = "Definition";

    /// <summary>The pipeline spec whose step's source and validation are used.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SpecSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The step to check; needed when the spec has several.</summary>
    [Parameter(ParameterSetName = SpecSet)]
    public string? Step { get; set; }

    /// <summary>The records to check without a spec file, as a spec's Source key: @{ Type = 'Csv'; Path = 'orders.csv' }.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DefinitionSet)]
    public IDictionary? Source { get; set; }

    /// <summary>The rules to check them against without a spec file, as a spec's Validation key.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DefinitionSet)]
    public IDictionary? Validation { get; set; }

    /// <summary>The state directory (only the spec's file sinks would use it; nothing is written).</summary>
    [Parameter]
    public string? StatePath { get; set; }

    protected override async Task EndProcessingAsync(CancellationToken cancellationToken)
    {
        var runtime = ModuleRuntime.Get();
        var definedHere = ParameterSetName == DefinitionSet;
        var specPath = definedHere ? "parameters" : ResolvePath(Path);
        var state = await OpenStateStoreAsync(LoadSettings(), cancellationToken).ConfigureAwait(false);
        // Records are only checked, never loaded: the spec needs no Sink.
        var tree = definedHere ? PipelineSpecs.DefinitionTree("test", Source!, Validation, sink: null, option: null) : PipelineSpecs.ReadTree(runtime, specPath);
        var spec = PipelineSpecs.Read(runtime, specPath, tree, state, Secrets(), new SecretRedactor(), pipelineInput: null,
            baseDirectory: definedHere ? SessionState.Path.CurrentFileSystemLocation.ProviderPath : null, sinkRequired: false);
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
