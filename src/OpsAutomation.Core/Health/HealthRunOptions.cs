using OpsAutomation.Core.Configuration;

namespace OpsAutomation.Core.Health;

/// <summary>What one invocation of the health checks needs besides its definitions.</summary>
public sealed record HealthRunOptions
{
    public required string RunId { get; init; }

    public required OpsSettings Settings { get; init; }

    /// <summary>Where a relative <c>file:</c> secret reference starts (the catalog's folder).</summary>
    public string? BaseDirectory { get; init; }

    /// <summary>Keep each result in the state store's history. Default true.</summary>
    public bool KeepHistory { get; init; } = true;

    public SecretResolver Secrets { get; init; } = new();
}
