namespace OpsAutomation.Sandbox.Pods;

/// <summary>
/// A container image reference as the container runtime normalizes it: <c>[registry/]repository[:tag][@digest]</c>;
/// the first path part is a registry when it has a dot or a colon or is localhost, else the image is
/// Docker Hub's (<c>docker.io</c>, single names under <c>library/</c>); no tag and no digest is <c>:latest</c>.
/// </summary>
public sealed record ImageReference(string Registry, string Repository, string? Tag, string? Digest)
{
    public const string DockerHub = "docker.io";

    /// <summary>The tag or digest the registry's manifests endpoint is asked for (the digest when both are given, as the runtime pulls it).</summary>
    public string Reference => Digest ?? Tag ?? "latest";

    /// <summary>The image's name without tag or digest, its registry first.</summary>
    public string Name => $"{Registry}/{Repository}";

    public static ImageReference Parse(string image)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        var rest = image;
        string? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            (rest, digest) = (rest[..at], rest[(at + 1)..]);
        }
        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            (rest, tag) = (rest[..colon], rest[(colon + 1)..]);
        }
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? "" : rest[..slash];
        if (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost")
        {
            return new ImageReference(first, rest[(slash + 1)..], tag ?? (digest is null ? "latest" : null), digest);
        }
        return new ImageReference(DockerHub, slash < 0 ? "library/" + rest : rest, tag ?? (digest is null ? "latest" : null), digest);
    }
}
