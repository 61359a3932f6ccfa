namespace OpsAutomation.Models.Deployment;

/// <summary>
/// A parsed image reference such as registry:5000/team/web:1.2 or web@sha256:...: the registry
/// host, the repository path within it, and a tag and/or digest. Docker Hub names are completed
/// as the Docker CLI completes them (web is docker.io/library/web:latest).
/// </summary>
public sealed record ImageReference
{
    /// <summary>Docker Hub's registry name.</summary>
    public const string DockerHub = "docker.io";

    /// <summary>The registry host with its port, such as docker.io or 127.0.0.1:5000.</summary>
    public required string Registry { get; init; }

    /// <summary>The repository path inside the registry, such as library/web or team/web.</summary>
    public required string Repository { get; init; }

    /// <summary>The tag; null when the reference names a digest only.</summary>
    public string? Tag { get; init; }

    /// <summary>The manifest digest (sha256:...), or null.</summary>
    public string? Digest { get; init; }

    /// <summary>registry/repository, the name the engine pushes.</summary>
    public string Name => $"{Registry}/{Repository}";

    /// <summary>The reference by digest, registry/repository@sha256:..., or null without a digest.</summary>
    public string? DigestReference => Digest is null ? null : $"{Name}@{Digest}";

    /// <summary>The full reference: registry/repository[:tag][@digest].</summary>
    public override string ToString() => Name + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);
}
