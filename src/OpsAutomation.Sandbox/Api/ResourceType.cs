using System.Text.Json.Nodes;
using k8s;

namespace OpsAutomation.Sandbox.Api;

/// <summary>
/// One kind of object the sandbox serves: its names in the API, its scope, and how a body of it is
/// read through KubernetesClient's model type (which is also what drops, or reports, unknown fields).
/// Every resource shares one store and one set of handlers; a type only describes itself here.
/// </summary>
public sealed class ResourceType
{
    private ResourceType(string group, string version, string kind, string plural, Func<JsonNode, JsonObject> normalize)
    {
        Group = group;
        Version = version;
        Kind = kind;
        Plural = plural;
        Normalize = normalize;
    }

    public string Group { get; }

    public string Version { get; }

    public string Kind { get; }

    /// <summary>The resource name in URLs (pods, deployments).</summary>
    public string Plural { get; }

    public string Singular => Kind.ToLowerInvariant();

    public bool Namespaced { get; private init; } = true;

    public IReadOnlyList<string> ShortNames { get; private init; } = [];

    public IReadOnlyList<string> Categories { get; private init; } = [];

    /// <summary>True where the server keeps metadata.generation (bumped when anything but metadata and status changes).</summary>
    public bool TracksGeneration { get; private init; }

    /// <summary>True where status is written only through /status, so a write to the object keeps the stored status.</summary>
    public bool HasStatusSubresource { get; private init; }

    /// <summary>True where /scale serves an autoscaling/v1 Scale of spec.replicas.</summary>
    public bool HasScaleSubresource { get; private init; }

    /// <summary>True where a delete answers with the deleted object (pods, services) rather than a Status, as the real registries do.</summary>
    public bool DeleteReturnsObject { get; private init; }

    /// <summary>True for pods: /log.</summary>
    public bool HasLogSubresource { get; private init; }

    /// <summary>Field selector labels beyond metadata.name and metadata.namespace, as the real server allows them for this type.</summary>
    public IReadOnlyList<string> FieldLabels { get; private init; } = [];

    /// <summary>Names are DNS-1123 labels (namespaces) or DNS-1035 labels (services) rather than subdomains.</summary>
    public NameRule NameRule { get; private init; } = NameRule.Subdomain;

    /// <summary>Reads a body through the model type and writes it back: the object as the server would store it.</summary>
    public Func<JsonNode, JsonObject> Normalize { get; }

    /// <summary>apps/v1 or v1.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>deployments.apps or pods: how the server names the resource in messages.</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>Deployment.apps or Pod: how the server names the kind in validation messages.</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    public static ResourceType Of<T>(string plural, string[]? shortNames = null, string[]? categories = null, bool namespaced = true,
        bool tracksGeneration = false, bool status = false, bool scale = false, bool log = false, string[]? fieldLabels = null,
        NameRule nameRule = NameRule.Subdomain, bool deleteReturnsObject = false)
        where T : IKubernetesObject
    {
        var entity = (k8s.Models.KubernetesEntityAttribute?)Attribute.GetCustomAttribute(typeof(T), typeof(k8s.Models.KubernetesEntityAttribute))
            ?? throw new ArgumentException($"{typeof(T).Name} carries no KubernetesEntity attribute.", nameof(T));
        return new ResourceType(entity.Group, entity.ApiVersion, entity.Kind, plural, RoundTrip<T>)
        {
            Namespaced = namespaced,
            ShortNames = shortNames ?? [],
            Categories = categories ?? [],
            TracksGeneration = tracksGeneration,
            HasStatusSubresource = status,
            HasScaleSubresource = scale,
            HasLogSubresource = log,
            FieldLabels = fieldLabels ?? [],
            NameRule = nameRule,
            DeleteReturnsObject = deleteReturnsObject,
        };
    }

    private static JsonObject RoundTrip<T>(JsonNode body)
    {
        var typed = KubernetesJson.Deserialize<T>(body) ?? throw new InvalidOperationException("The body is null.");
        return (JsonObject)JsonNode.Parse(KubernetesJson.Serialize(typed))!;
    }

    public override string ToString() => $"{ApiVersion}/{Kind}";
}

/// <summary>The syntax a resource's names must follow (k8s.io/apimachinery/pkg/util/validation).</summary>
public enum NameRule
{
    /// <summary>DNS-1123 subdomain: most resources.</summary>
    Subdomain,

    /// <summary>DNS-1123 label: namespaces.</summary>
    Label,

    /// <summary>DNS-1035 label: services.</summary>
    Dns1035Label,
}
