using System.Text.RegularExpressions;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Images;

/// <summary>
/// Parses image references as the Docker CLI reads them (distribution/reference's grammar): the
/// first path component is a registry when it has a dot or a port or is localhost; otherwise the
/// registry is docker.io and a one-component name lives under library/. No tag and no digest
/// means the tag latest.
/// </summary>
public static partial class ImageReferenceParser
{
    public const string DefaultTag = "latest";

    /// <summary>The reference in <paramref name="value"/>; one that breaks the grammar is <see cref="ImageReferenceException"/> naming it and why.</summary>
    /// <param name="origin">Where the value came from, for the message (such as "-Tag").</param>
    public static ImageReference Parse(string value, string origin = "image reference")
    {
        if (string.IsNullOrWhiteSpace(value)) throw new ImageReferenceException(value ?? "", origin, "it is empty");
        var rest = value.Trim();
        string? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (!DigestPattern().IsMatch(digest)) throw new ImageReferenceException(value, origin, $"the digest '{digest}' is not algorithm:hex such as sha256:<64 hex digits>");
        }
        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!TagPattern().IsMatch(tag)) throw new ImageReferenceException(value, origin, $"the tag '{tag}' is not 1-128 letters, digits, '_', '.' or '-' starting with a letter, digit or '_'");
        }
        var (registry, repository) = SplitRegistry(rest);
        if (!HostPattern().IsMatch(registry)) throw new ImageReferenceException(value, origin, $"the registry '{registry}' is not a host name with an optional port");
        if (repository.Length == 0 || repository.Split('/').Any(c => !ComponentPattern().IsMatch(c)))
            throw new ImageReferenceException(value, origin, $"the repository '{repository}' is not lowercase path components of letters, digits and single '.', '_', '__' or '-' separators");
        if (tag is null && digest is null) tag = DefaultTag;
        return new ImageReference { Registry = registry, Repository = repository, Tag = tag, Digest = digest };
    }

    private static (string Registry, string Repository) SplitRegistry(string name)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? null : name[..slash];
        if (first is not null && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"))
        {
            var registry = first is "index.docker.io" or "registry-1.docker.io" ? ImageReference.DockerHub : first;
            var path = name[(slash + 1)..];
            return (registry, registry == ImageReference.DockerHub && !path.Contains('/', StringComparison.Ordinal) ? "library/" + path : path);
        }
        return (ImageReference.DockerHub, slash < 0 ? "library/" + name : name);
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")]
    private static partial Regex DigestPattern();

    [GeneratedRegex(@"^[\w][\w.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$")]
    private static partial Regex HostPattern();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")]
    private static partial Regex ComponentPattern();
}
