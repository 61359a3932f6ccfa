using System.Collections;
using System.Management.Automation;
using OpsAutomation.Core;
using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Sources;
using OpsAutomation.Core.Pipelines.Spec;
using OpsAutomation.Core.State;

namespace OpsAutomation.Pipelines;

/// <summary>What the pipeline cmdlets share: reading a spec file, and picking one of its steps by -Step.</summary>
internal static class PipelineSpecs
{
    /// <summary>Reads the spec at <paramref name="specPath"/>; a bad spec is the terminating PipelineSpecInvalid naming the file and key.</summary>
    public static PipelineSpec Read(OpsRuntime runtime, string specPath, StateStore state, SecretResolver secrets, SecretRedactor redactor, Func<IRecordSource>? pipelineInput = null) =>
        Read(runtime, specPath, ReadTree(runtime, specPath), state, secrets, redactor, pipelineInput);

    /// <summary>Reads an already loaded spec tree (Start-DataPipeline looks into it first for a Pipeline source).</summary>
    /// <param name="secrets">The command's resolver (see OpsCmdlet.Secrets), so secret: references reach SecretManagement.</param>
    /// <param name="baseDirectory">Where relative paths start; the spec file's folder when null.</param>
    /// <param name="sinkRequired">False for reading a spec only to check its records: a step may have no Sink.</param>
    public static PipelineSpec Read(OpsRuntime runtime, string specPath, Dictionary<string, object?> tree, StateStore state, SecretResolver secrets, SecretRedactor redactor, Func<IRecordSource>? pipelineInput,
        string? baseDirectory = null, bool sinkRequired = true)
    {
        try
        {
            return PipelineSpecReader.Read(tree, specPath, baseDirectory ?? Path.GetDirectoryName(specPath)!, new PipelineSpecContext
            {
                Checkpoints = new PipelineCheckpointStore(state),
                Time = runtime.Time,
                Secrets = secrets,
                Redactor = redactor,
                Http = runtime.Http,
                PipelineInput = pipelineInput,
                SinkRequired = sinkRequired,
            });
        }
        catch (ConfigurationException ex)
        {
            throw Invalid(ex, specPath);
        }
    }

    /// <summary>
    /// The spec tree a file would have held, from a one-step pipeline's parameters (-Name, -Source,
    /// -Validation, -Sink, -Option); a value no file could hold is the terminating PipelineSpecInvalid.
    /// </summary>
    public static Dictionary<string, object?> DefinitionTree(string name, IDictionary source, IDictionary? validation, IDictionary? sink, IDictionary? option)
    {
        var tree = option is null ? ConfigurationTree.NewMap() : (Dictionary<string, object?>)Definition(option, "-Option")!;
        foreach (var key in new[] { "Name", "Source", "Validation", "Sink", "Steps" })
        {
            if (tree.ContainsKey(key))
                throw ErrorRecords.Terminating(ErrorRecords.Configuration(new ConfigurationException($"give {key} as -{key}, not in -Option", "parameters", "-Option." + key), "PipelineSpecInvalid", option));
        }
        tree["Name"] = name;
        tree["Source"] = Definition(source, "-Source");
        if (sink is not null) tree["Sink"] = Definition(sink, "-Sink");
        if (validation is not null) tree["Validation"] = Definition(validation, "-Validation");
        return tree;
    }

    /// <summary>One parameter's hashtable as a spec tree value.</summary>
    public static object? Definition(IDictionary value, string parameter)
    {
        try
        {
            return PowerShellValues.ToConfigurationTree(value, parameter);
        }
        catch (ConfigurationException ex)
        {
            throw ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "PipelineSpecInvalid", value));
        }
    }

    public static Dictionary<string, object?> ReadTree(OpsRuntime runtime, string specPath)
    {
        try
        {
            return runtime.Configuration.ReadMap(specPath);
        }
        catch (ConfigurationException ex)
        {
            throw Invalid(ex, specPath);
        }
    }

    /// <summary>The step <paramref name="name"/> names, or the only one when it is null; otherwise a terminating error listing the steps.</summary>
    public static PipelineStepPlan SelectStep(PipelineSpec spec, string? name, string specPath)
    {
        var steps = spec.Plan.Steps;
        var names = string.Join(", ", steps.Select(s => s.Name));
        if (name is null)
        {
            return steps.Count == 1 ? steps[0] : throw ErrorRecords.Terminating(new ErrorRecord(
                new ArgumentException($"'{specPath}' has {steps.Count} steps ({names}); name one with -Step."), "PipelineStepRequired", ErrorCategory.InvalidArgument, specPath));
        }
        return steps.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) ?? throw ErrorRecords.Terminating(new ErrorRecord(
            new ArgumentException($"'{specPath}' has no step '{name}'; its steps are {names}."), "PipelineStepNotFound", ErrorCategory.ObjectNotFound, name));
    }

    private static OpsTerminatingException Invalid(ConfigurationException ex, string specPath) =>
        ErrorRecords.Terminating(ErrorRecords.Configuration(ex, "PipelineSpecInvalid", specPath));
}
