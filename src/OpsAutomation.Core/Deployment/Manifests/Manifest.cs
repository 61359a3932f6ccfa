using System.Text.Json.Nodes;

namespace OpsAutomation.Core.Deployment.Manifests;

/// <summary>Where a manifest object is written: its file and the line its document starts on.</summary>
public sealed record ManifestSource(string File, int Line)
{
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>One Kubernetes object read from a manifest file, variables expanded and images injected, ready to apply.</summary>
public sealed class Manifest
{
    internal Manifest(JsonObject body, string apiVersion, string kind, string name, string? @namespace, ManifestSource source)
    {
        Body = body;
        ApiVersion = apiVersion;
        Kind = kind;
        Name = name;
        Namespace = @namespace;
        Source = source;
    }

    /// <summary>
    /// A manifest built in code (a canary's Deployment, a Service switched to another colour), checked as a file's
    /// would be: apiVersion, kind and metadata.name; <paramref name="source"/> names where it came from in errors.
    /// </summary>
    public static Manifest From(JsonObject body, ManifestSource source)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(source);
        return ManifestReader.ToManifest((JsonObject)body.DeepClone(), source);
    }

    /// <summary>The object as it is sent: the apply configuration.</summary>
    public JsonObject Body { get; }

    public string ApiVersion { get; }

    public string Kind { get; }

    public string Name { get; }

    /// <summary>metadata.namespace as written; null when the manifest names none.</summary>
    public string? Namespace { get; }

    public ManifestSource Source { get; }

    /// <summary>A Secret, whose data never appears in a diff, an error or a log.</summary>
    public bool IsSecret => Kind == "Secret" && ApiVersion == "v1";

    public override string ToString() => $"{Kind} {(Namespace is null ? "" : Namespace + "/")}{Name} ({Source})";
}
