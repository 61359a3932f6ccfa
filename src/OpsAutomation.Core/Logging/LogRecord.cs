namespace OpsAutomation.Core.Logging;

/// <summary>One structured log line; every field maps onto an Elastic Common Schema field.</summary>
public sealed record LogRecord
{
    public OpsLogLevel Level { get; init; } = OpsLogLevel.Information;

    /// <summary><c>message</c>: one readable sentence.</summary>
    public required string Message { get; init; }

    /// <summary><c>event.action</c>, such as <c>health-check</c>.</summary>
    public required string Action { get; init; }

    /// <summary><c>event.outcome</c>: success, failure or unknown.</summary>
    public string? Outcome { get; init; }

    /// <summary><c>event.duration</c>, written in nanoseconds as ECS says.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary><c>service.name</c>: the service the event is about.</summary>
    public string? ServiceName { get; init; }

    /// <summary><c>url.full</c>.</summary>
    public string? Url { get; init; }

    /// <summary><c>error.type</c>.</summary>
    public string? ErrorType { get; init; }

    /// <summary><c>error.message</c>.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary><c>labels.*</c>: flat keyword facts.</summary>
    public IReadOnlyDictionary<string, string?>? Labels { get; init; }
}
