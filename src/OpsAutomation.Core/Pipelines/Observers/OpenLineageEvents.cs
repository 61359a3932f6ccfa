using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using OpsAutomation.Models.Pipelines;

namespace OpsAutomation.Core.Pipelines.Observers;

/// <summary>The kinds of OpenLineage RunEvent a pipeline run emits.</summary>
public enum LineageEventType
{
    Start,
    /// <summary>A resumed run going on: the run already had its START.</summary>
    Running,
    Complete,
    Fail,
    Abort,
}

/// <summary>
/// Builds OpenLineage 2-0-2 RunEvents for a pipeline run: the job is the pipeline, the inputs and
/// outputs are the distinct datasets of its steps. Standard facets only, plus one of ours with the
/// run's counts (described by OpsAutomationRunFacet.json beside this file).
/// </summary>
public static class OpenLineageEvents
{
    /// <summary>The producer URI every event and facet names.</summary>
    public const string Producer = "https://github.com/opsautomation/OpsAutomation";

    public const string RunEventSchemaUrl = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";

    public const string ErrorMessageFacetSchemaUrl = "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet";

    public const string OutputStatisticsFacetSchemaUrl = "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet";

    public const string ProcessingEngineFacetSchemaUrl = "https://openlineage.io/spec/facets/1-1-1/ProcessingEngineRunFacet.json#/$defs/ProcessingEngineRunFacet";

    /// <summary>Where the schema of our own run facet lives in the repository.</summary>
    public const string RunFacetSchemaUrl = Producer + "/blob/main/src/OpsAutomation.Core/Pipelines/Observers/OpsAutomationRunFacet.json#/$defs/OpsAutomationRunFacet";

    /// <summary>The name of our run facet; OpenLineage asks custom facets to carry a prefix of their producer.</summary>
    public const string RunFacetName = "opsautomation_run";

    // RFC 9562's namespace for names that are URLs: a non-GUID run id becomes the URL below.
    private static readonly Guid UrlNamespace = new("6ba7b811-9dad-11d1-80b4-00c04fd430c8");

    private static readonly string EngineVersion =
        typeof(OpenLineageEvents).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(OpenLineageEvents).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>The event that ends a run of status <paramref name="status"/>.</summary>
    public static LineageEventType EndType(PipelineRunStatus status) => status switch
    {
        PipelineRunStatus.Succeeded or PipelineRunStatus.CompletedWithRejections => LineageEventType.Complete,
        PipelineRunStatus.Cancelled => LineageEventType.Abort,
        _ => LineageEventType.Fail,
    };

    /// <summary>
    /// The OpenLineage runId of <paramref name="runId"/>: the run id itself when it is a GUID (as new
    /// runs' ids are), otherwise a name-based UUID (version 5, SHA-1) of it, so a resumed run keeps its runId.
    /// </summary>
    public static Guid RunUuid(string runId) =>
        Guid.TryParse(runId, out var guid) ? guid : NameBasedUuid(UrlNamespace, $"{Producer}/runs/{Uri.EscapeDataString(runId)}");

    /// <summary>An RFC 9562 version 5 UUID: SHA-1 of the namespace's bytes and the UTF-8 name.</summary>
    internal static Guid NameBasedUuid(Guid @namespace, string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[16 + nameBytes.Length];
        @namespace.TryWriteBytes(input, bigEndian: true, out _);
        nameBytes.CopyTo(input, 16);
        Span<byte> hash = stackalloc byte[20];
#pragma warning disable CA5350 // SHA-1 is what version 5 UUIDs are defined with; nothing here is a security boundary.
        SHA1.HashData(input, hash);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    /// <summary>One RunEvent for <paramref name="run"/> as it stands, timed <paramref name="eventTime"/>.</summary>
    public static JsonObject Build(LineageEventType type, PipelineRun run, IReadOnlyList<StepDatasets> datasets, string jobNamespace, DateTimeOffset eventTime)
    {
        var runFacets = new JsonObject
        {
            ["processing_engine"] = Facet(ProcessingEngineFacetSchemaUrl, new JsonObject { ["version"] = EngineVersion, ["name"] = "OpsAutomation" }),
            [RunFacetName] = Facet(RunFacetSchemaUrl, new JsonObject
            {
                ["status"] = run.Status.ToString(),
                ["resumes"] = run.Resumes,
                ["recordsIn"] = run.RecordsIn,
                ["loaded"] = run.Loaded,
                ["rejected"] = run.Rejected,
                ["deadLettered"] = run.DeadLettered,
                ["filtered"] = run.Filtered,
                ["retried"] = run.Retried,
            }),
        };
        if (type == LineageEventType.Fail)
        {
            runFacets["errorMessage"] = Facet(ErrorMessageFacetSchemaUrl, new JsonObject
            {
                ["message"] = run.Error ?? $"pipeline run ended {run.Status}",
                ["programmingLanguage"] = "C#",
            });
        }

        var inputs = new JsonArray();
        foreach (var (ns, name) in datasets.Select(d => (d.InputNamespace, d.InputName)).Distinct())
            inputs.Add(new JsonObject { ["namespace"] = ns, ["name"] = name });

        var outputs = new JsonArray();
        foreach (var (ns, name) in datasets.Select(d => (d.OutputNamespace, d.OutputName)).Distinct())
        {
            var output = new JsonObject { ["namespace"] = ns, ["name"] = name };
            if (type is LineageEventType.Complete or LineageEventType.Fail)
            {
                var writers = datasets.Where(d => d.OutputNamespace == ns && d.OutputName == name).Select(d => d.Step).ToHashSet(StringComparer.OrdinalIgnoreCase);
                var rows = run.Steps.Where(s => writers.Contains(s.Step)).Sum(s => s.Loaded);
                output["outputFacets"] = new JsonObject
                {
                    ["outputStatistics"] = Facet(OutputStatisticsFacetSchemaUrl, new JsonObject { ["rowCount"] = rows }),
                };
            }
            outputs.Add(output);
        }

        return new JsonObject
        {
            ["eventType"] = type.ToString().ToUpperInvariant(),
            ["eventTime"] = eventTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["producer"] = Producer,
            ["schemaURL"] = RunEventSchemaUrl,
            ["run"] = new JsonObject { ["runId"] = RunUuid(run.RunId).ToString("D"), ["facets"] = runFacets },
            ["job"] = new JsonObject { ["namespace"] = jobNamespace, ["name"] = run.Pipeline },
            ["inputs"] = inputs,
            ["outputs"] = outputs,
        };

        // Every facet names its producer and schema (BaseFacet requires both).
        static JsonObject Facet(string schemaUrl, JsonObject fields)
        {
            fields["_producer"] = Producer;
            fields["_schemaURL"] = schemaUrl;
            return fields;
        }
    }
}
