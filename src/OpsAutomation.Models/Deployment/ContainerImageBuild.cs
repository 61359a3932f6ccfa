namespace OpsAutomation.Models.Deployment;

/// <summary>What Build-ContainerImage built: the image's id and the tags it was given, ready to pipe to Publish-ContainerImage.</summary>
public sealed record ContainerImageBuild
{
    /// <summary>The image id, sha256:... (the digest of its configuration).</summary>
    public required string ImageId { get; init; }

    /// <summary>The full references the image was tagged with (registry/repository:tag), the -Image of Publish-ContainerImage.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The build context folder.</summary>
    public required string ContextPath { get; init; }

    /// <summary>The Dockerfile used.</summary>
    public required string Dockerfile { get; init; }

    /// <summary>The build stage built, or null for the last stage.</summary>
    public string? Target { get; init; }

    /// <summary>The labels given to the image, the OCI labels from git included.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The Dockerfile steps the engine ran.</summary>
    public int Steps { get; init; }

    /// <summary>Bytes of the build context sent to the engine (the tar stream).</summary>
    public long ContextBytes { get; init; }

    /// <summary>How long the build took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>When the build finished.</summary>
    public DateTimeOffset Timestamp { get; init; }
}
