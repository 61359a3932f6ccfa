using System.Net.Http.Headers;
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

    /// <summary>Resolves the definitions' secret references (a cmdlet hands in one that reaches SecretManagement).</summary>
    public SecretResolver Secrets { get; init; } = new();

    /// <summary>An Authorization given for the whole run (at the prompt): it replaces every definition's own credentials and Authorization header.</summary>
    public AuthenticationHeaderValue? Authorization { get; init; }

    /// <summary>Probe even a service whose circuit is open; the result still updates the circuit (a success closes it). Default false.</summary>
    public bool IgnoreCircuit { get; init; }
}
