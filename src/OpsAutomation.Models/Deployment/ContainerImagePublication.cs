namespace OpsAutomation.Models.Deployment;

/// <summary>What Publish-ContainerImage pushed, with the digest the registry confirmed: deploy <see cref="Reference"/>.</summary>
public sealed record ContainerImagePublication
{
    /// <summary>The reference pushed, registry/repository:tag.</summary>
    public required string Image { get; init; }

    /// <summary>The registry host with its port.</summary>
    public required string Registry { get; init; }

    /// <summary>The repository path inside the registry.</summary>
    public required string Repository { get; init; }

    /// <summary>The tag pushed.</summary>
    public required string Tag { get; init; }

    /// <summary>The manifest digest, sha256:..., as the engine reported it and the registry confirmed it.</summary>
    public required string Digest { get; init; }

    /// <summary>The reference by digest, registry/repository@sha256:...: what to deploy, so what runs is exactly what was built.</summary>
    public required string Reference { get; init; }

    /// <summary>The manifest's size in bytes as the engine reported it, or 0 when it did not.</summary>
    public long Size { get; init; }

    /// <summary>How long the push and the confirmation took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>When the push was confirmed.</summary>
    public DateTimeOffset Timestamp { get; init; }
}
