namespace OpsAutomation.Sandbox.Api;

/// <summary>
/// A resource URL taken apart: /api/v1/namespaces/{ns}/pods/{name}/log, /apis/apps/v1/deployments,
/// /api/v1/namespaces/{name}/status, and the legacy /watch/ prefix.
/// </summary>
public sealed record ResourcePath(ResourceType Type, string? Namespace, string? Name, string? Subresource, bool WatchPrefix)
{
    public static ResourcePath? Parse(ResourceRegistry registry, string path)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(path);
        var segments = path.Trim('/').Split('/');
        string group;
        string version;
        int next;
        if (segments is ["api", var coreVersion, ..] && segments.Length > 2)
        {
            (group, version, next) = ("", coreVersion, 2);
        }
        else if (segments is ["apis", var named, var namedVersion, ..] && segments.Length > 3)
        {
            (group, version, next) = (named, namedVersion, 3);
        }
        else
        {
            return null;
        }
        var rest = segments[next..];
        var watch = rest is ["watch", ..];
        if (watch)
        {
            rest = rest[1..];
        }
        string? ns = null;
        if (rest is ["namespaces", var namespaceName, var plural, ..] && registry.ByPlural(group, version, plural) is { Namespaced: true })
        {
            ns = namespaceName;
            rest = rest[2..];
        }
        if (rest.Length is 0 or > 3 || registry.ByPlural(group, version, rest[0]) is not { } type || (type.Namespaced && ns is null && rest.Length > 1))
        {
            return null;
        }
        return new ResourcePath(type, ns, rest.Length > 1 ? rest[1] : null, rest.Length > 2 ? rest[2] : null, watch);
    }
}
