using System.Text.Json.Nodes;

namespace OpsAutomation.Core.Deployment.Manifests;

/// <summary>
/// Puts a built image into the containers that run it: for each container name given, every pod
/// template of the manifests (a Pod's spec, a workload's spec.template.spec, a CronJob's
/// spec.jobTemplate.spec.template.spec, whatever the kind) with a container or init container of
/// that name gets the image. A name that no template has is an error, so a typo cannot deploy the old image.
/// </summary>
internal static class ImageInjector
{
    private static readonly string[][] PodSpecPaths = [["spec"], ["spec", "template", "spec"], ["spec", "jobTemplate", "spec", "template", "spec"]];

    public static void Inject(IReadOnlyList<Manifest> manifests, IReadOnlyDictionary<string, string> images)
    {
        if (images.Count == 0) return;
        var found = new HashSet<string>(StringComparer.Ordinal);
        var containersSeen = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var manifest in manifests)
        {
            foreach (var container in Containers(manifest.Body))
            {
                if (container["name"] is not JsonValue nameValue || !nameValue.TryGetValue<string>(out var name)) continue;
                containersSeen.Add(name);
                if (!images.TryGetValue(name, out var image)) continue;
                container["image"] = image;
                found.Add(name);
            }
        }
        var missing = images.Keys.Where(k => !found.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            var known = containersSeen.Count == 0 ? "the manifests have no pod template" : $"the manifests' containers are {string.Join(", ", containersSeen)}";
            throw new ManifestException(ManifestProblem.ContainerNotFound,
                $"no pod template has a container named {string.Join(", ", missing)} to put its image into: {known}");
        }
    }

    private static IEnumerable<JsonObject> Containers(JsonObject body)
    {
        foreach (var path in PodSpecPaths)
        {
            JsonNode? node = body;
            foreach (var step in path) node = (node as JsonObject)?[step];
            if (node is not JsonObject podSpec || podSpec["containers"] is not JsonArray) continue;
            foreach (var list in (string[])["containers", "initContainers"])
            {
                if (podSpec[list] is JsonArray containers)
                {
                    foreach (var container in containers.OfType<JsonObject>()) yield return container;
                }
            }
        }
    }
}
