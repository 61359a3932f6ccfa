using OpsAutomation.Core.Configuration;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Logging;
using OpsAutomation.Core.Notifications;
using OpsAutomation.Core.Pipelines.Sources;
using OpsAutomation.Core.State;

namespace OpsAutomation.Core.Pipelines.Spec;

/// <summary>A pipeline spec read and checked: the plan to run, and what to tell whom about it.</summary>
public sealed record PipelineSpec
{
    public required PipelinePlan Plan { get; init; }

    /// <summary>The spec file, or "parameters".</summary>
    public required string Origin { get; init; }

    public PipelineAlerting? Alerting { get; init; }

    public LineageOptions? Lineage { get; init; }

    /// <summary>Where rejected records go; null for the state store.</summary>
    public DeadLetterOptions? DeadLetters { get; init; }
}

/// <summary>A dead-letter queue of the pipeline's own: a JSON Lines file instead of the state store.</summary>
public sealed record DeadLetterOptions
{
    /// <summary>The JSON Lines file, a full path.</summary>
    public required string Path { get; init; }
}

/// <summary>When a run is worth an alert, and where it goes.</summary>
public sealed record PipelineAlerting
{
    /// <summary>Alert when a run rejects more than this share of what it read. Default 0.05.</summary>
    public double RejectionRateThreshold { get; init; } = 0.05;

    /// <summary>Alert when a run fails. Default true.</summary>
    public bool OnFailure { get; init; } = true;

    public required IReadOnlyList<INotificationChannel> Channels { get; init; }
}

/// <summary>Where OpenLineage run events go: a JSON Lines file, an HTTP endpoint, or both.</summary>
public sealed record LineageOptions
{
    /// <summary>A JSON Lines file the events are appended to.</summary>
    public string? Path { get; init; }

    /// <summary>An OpenLineage HTTP endpoint, such as Marquez's http://host:5000/api/v1/lineage.</summary>
    public Uri? Uri { get; init; }

    /// <summary>The job namespace. Default "opsautomation".</summary>
    public string Namespace { get; init; } = "opsautomation";

    /// <summary>The deadline of each POST to <see cref="Uri"/>, answer included. Default 10 s.</summary>
    public TimeSpan Timeout { get; init; } = HttpLimits.DefaultTimeout;
}

/// <summary>What reading a spec needs from the caller.</summary>
public sealed record PipelineSpecContext
{
    public required PipelineCheckpointStore Checkpoints { get; init; }

    public required TimeProvider Time { get; init; }

    public required SecretResolver Secrets { get; init; }

    /// <summary>Learns every secret a spec resolves, so logs and errors never show it.</summary>
    public required SecretRedactor Redactor { get; init; }

    public required HttpClientProvider Http { get; init; }

    /// <summary>False to read a spec whose records are only checked (Test-DataRecord): a step may then have no Sink.</summary>
    public bool SinkRequired { get; init; } = true;

    /// <summary>The objects piped into Start-DataPipeline, for a source of Type Pipeline; null when nothing is piped.</summary>
    public Func<IRecordSource>? PipelineInput { get; init; }
}
