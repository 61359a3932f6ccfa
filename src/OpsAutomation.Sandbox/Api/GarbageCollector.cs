using System.Text.Json.Nodes;

namespace OpsAutomation.Sandbox.Api;

/// <summary>
/// Deletion with what follows it: dependents found by ownerReferences are deleted with their owner
/// (Background and Foreground) or released (Orphan), a dependent that still has another owner only
/// loses the reference; a namespace goes Terminating, its contents are removed, then it goes.
/// </summary>
public sealed class GarbageCollector(ObjectStore store, PodLogBook logs)
{
    public JsonObject Delete(StoredObject stored, string propagationPolicy, bool dryRun)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var deleted = store.Delete(stored.Type, stored.Namespace, stored.Name, dryRun);
        if (!dryRun)
        {
            Forget(stored);
            CollectDependents(stored, orphan: propagationPolicy == "Orphan");
        }
        return deleted;
    }

    /// <summary>Marks a namespace Terminating, removes everything in it, then the namespace; returns it as it was while terminating.</summary>
    public JsonObject DeleteNamespace(StoredObject ns, DateTimeOffset now, bool dryRun)
    {
        ArgumentNullException.ThrowIfNull(ns);
        if (ns.Name is "default" or "kube-system" or "kube-public")
        {
            throw ApiStatus.Forbidden($"namespaces \"{ns.Name}\" is forbidden: this namespace may not be deleted",
                ApiStatus.ResourceDetails(ns.Type, ns.Name)).AsException();
        }
        var terminating = ns.Clone();
        terminating["metadata"]!["deletionTimestamp"] = ObjectStore.Timestamp(now);
        terminating["status"] = new JsonObject { ["phase"] = "Terminating" };
        if (dryRun)
        {
            return terminating;
        }
        var marked = store.Update(ns.Type, terminating);
        foreach (var content in store.InNamespace(ns.Name))
        {
            if (store.Get(content.Type, content.Namespace, content.Name) is not null)
            {
                store.Delete(content.Type, content.Namespace, content.Name);
                Forget(content);
            }
        }
        store.Delete(ns.Type, "", ns.Name);
        return marked;
    }

    private void CollectDependents(StoredObject owner, bool orphan)
    {
        foreach (var dependent in store.Dependents(owner.Namespace, owner.Uid))
        {
            var remaining = (dependent.Node["metadata"]!["ownerReferences"] as JsonArray ?? [])
                .Where(r => r?["uid"]?.GetValue<string>() != owner.Uid).ToList();
            if (orphan || remaining.Count > 0)
            {
                var released = dependent.Clone();
                var references = new JsonArray([.. remaining.Select(r => r!.DeepClone())]);
                var metadata = released["metadata"]!.AsObject();
                if (references.Count == 0)
                {
                    metadata.Remove("ownerReferences");
                }
                else
                {
                    metadata["ownerReferences"] = references;
                }
                metadata.Remove("resourceVersion");
                store.Update(dependent.Type, released);
                continue;
            }
            try
            {
                Delete(dependent, "Background", dryRun: false);
            }
            catch (ApiException e) when (e.Code == 404)
            {
                // Already gone (deleted by someone else meanwhile): nothing left to collect.
            }
        }
    }

    private void Forget(StoredObject stored)
    {
        if (stored.Type.HasLogSubresource)
        {
            logs.Forget(stored.Namespace, stored.Name);
        }
    }
}
