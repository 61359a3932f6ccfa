using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Models;

namespace OpsAutomation.Sandbox.Api;

/// <summary>
/// The sandbox's etcd: every object of every type, keyed by type, namespace and name, under one
/// resourceVersion counter; per type, a window of recent changes that watches start from (older is
/// 410 Expired), as the API server keeps a watch cache per resource;
/// and the open watches, fed as each change commits. Objects are JSON trees read through their model
/// types; <see cref="Get{T}"/> and <see cref="List{T}"/> read them typed (tests, set-up). Writes that
/// should look like a client's go through <see cref="ObjectWriter"/>.
/// </summary>
public sealed class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ResourceType, SortedDictionary<string, StoredObject>> _objects = [];
    private readonly Dictionary<ResourceType, WatchWindow> _windows = [];
    private readonly List<WatchSubscription> _watches = [];
    private readonly TimeProvider _time;
    private readonly int _windowSize;
    private long _resourceVersion;
    private readonly long _firstResourceVersion;

    public ObjectStore(ResourceRegistry registry, TimeProvider time, int windowSize = 1000, long firstResourceVersion = 1000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSize, 1);
        Registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _windowSize = windowSize;
        _resourceVersion = firstResourceVersion;
        _firstResourceVersion = firstResourceVersion;
    }

    public ResourceRegistry Registry { get; }

    /// <summary>The resourceVersion of the last change.</summary>
    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    public StoredObject? Get(ResourceType type, string ns, string name)
    {
        lock (_gate)
        {
            return Objects(type).GetValueOrDefault(Key(ns, name));
        }
    }

    /// <summary>The objects of a type in one namespace (or all, for null), in key order, and the resourceVersion they were read at.</summary>
    public (IReadOnlyList<StoredObject> Items, long ResourceVersion) List(ResourceType type, string? ns)
    {
        lock (_gate)
        {
            var all = Objects(type).Values;
            return ([.. ns is null ? all : all.Where(o => o.Namespace == ns)], _resourceVersion);
        }
    }

    /// <summary>Every object in a namespace whose ownerReferences name <paramref name="ownerUid"/>.</summary>
    public IReadOnlyList<StoredObject> Dependents(string ns, string ownerUid)
    {
        lock (_gate)
        {
            return [.. _objects.Values.SelectMany(o => o.Values).Where(o => o.Namespace == ns && OwnedBy(o.Node, ownerUid))];
        }
    }

    /// <summary>Every namespaced object in a namespace.</summary>
    public IReadOnlyList<StoredObject> InNamespace(string ns)
    {
        lock (_gate)
        {
            return [.. _objects.Values.SelectMany(o => o.Values).Where(o => o.Type.Namespaced && o.Namespace == ns)];
        }
    }

    /// <summary>The metadata of <paramref name="obj"/> and the namespace ("" for a cluster-scoped type) and name that key it.</summary>
    private static (JsonObject Metadata, string Namespace, string Name) Identity(ResourceType type, JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(obj);
        var metadata = obj["metadata"]!.AsObject();
        return (metadata, type.Namespaced ? metadata["namespace"]!.GetValue<string>() : "", metadata["name"]!.GetValue<string>());
    }

    /// <summary>
    /// Stores a new object: uid, creationTimestamp, resourceVersion (and generation 1 where kept) are the
    /// server's. With <paramref name="dryRun"/> the result is what would be stored, without a resourceVersion.
    /// </summary>
    public JsonObject Create(ResourceType type, JsonObject obj, bool dryRun = false)
    {
        var (metadata, ns, name) = Identity(type, obj);
        lock (_gate)
        {
            if (Objects(type).ContainsKey(Key(ns, name)))
            {
                throw ApiStatus.AlreadyExists(type, name).AsException();
            }
            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = Timestamp(_time.GetUtcNow());
            metadata.Remove("resourceVersion");
            metadata.Remove("deletionTimestamp");
            if (type.TracksGeneration)
            {
                metadata["generation"] = 1L;
            }
            else
            {
                metadata.Remove("generation");
            }
            return dryRun ? obj : Commit(type, ns, name, obj, WatchEventType.Added).Clone();
        }
    }

    /// <summary>
    /// Replaces an object. A resourceVersion in <paramref name="obj"/> must be the stored one (else 409
    /// Conflict); none means unconditional. uid and creationTimestamp stay; generation goes up when
    /// anything but metadata and status changed.
    /// </summary>
    public JsonObject Update(ResourceType type, JsonObject obj, bool dryRun = false)
    {
        var (metadata, ns, name) = Identity(type, obj);
        lock (_gate)
        {
            var current = Objects(type).GetValueOrDefault(Key(ns, name)) ?? throw ApiStatus.NotFound(type, name).AsException();
            var expected = metadata["resourceVersion"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(expected) && expected != current.ResourceVersion.ToString(CultureInfo.InvariantCulture))
            {
                throw ApiStatus.StaleResourceVersion(type, name).AsException();
            }
            var old = current.Node["metadata"]!;
            metadata["uid"] = old["uid"]!.DeepClone();
            metadata["creationTimestamp"] = old["creationTimestamp"]!.DeepClone();
            metadata["resourceVersion"] = current.ResourceVersion.ToString(CultureInfo.InvariantCulture);
            if (old["deletionTimestamp"] is { } deleting)
            {
                metadata["deletionTimestamp"] = deleting.DeepClone();
            }
            if (type.TracksGeneration)
            {
                var generation = old["generation"] is { } g ? long.Parse(g.ToJsonString(WireJson.Options), CultureInfo.InvariantCulture) : 1;
                metadata["generation"] = BeyondMetadataAndStatusChanged(current.Node, obj) ? generation + 1 : generation;
            }
            if (dryRun || JsonNode.DeepEquals(current.Node, obj))
            {
                // An update that changes nothing writes nothing, as the real server skips a no-op write.
                return obj;
            }
            return Commit(type, ns, name, obj, WatchEventType.Modified).Clone();
        }
    }

    /// <summary>Removes an object; the watch's DELETED event carries the deletion's resourceVersion.</summary>
    public JsonObject Delete(ResourceType type, string ns, string name, bool dryRun = false)
    {
        ArgumentNullException.ThrowIfNull(type);
        ns = type.Namespaced ? ns : "";
        lock (_gate)
        {
            var current = Objects(type).GetValueOrDefault(Key(ns, name)) ?? throw ApiStatus.NotFound(type, name).AsException();
            if (dryRun)
            {
                return current.Clone();
            }
            Objects(type).Remove(Key(ns, name));
            var last = current.Clone();
            var deleted = new StoredObject(type, Stamp(last, ++_resourceVersion), _resourceVersion);
            Publish(new StoreEvent("DELETED", deleted));
            return deleted.Clone();
        }
    }

    /// <summary>
    /// Opens a watch of one type (one namespace or all) from <paramref name="fromResourceVersion"/>: the
    /// changes after it, then each change as it commits. Null means "from now", with the current objects
    /// sent first as ADDED, as a watch without a resourceVersion does. Too old is 410 Expired.
    /// </summary>
    public WatchSubscription Watch(ResourceType type, string? ns, long? fromResourceVersion)
    {
        ArgumentNullException.ThrowIfNull(type);
        lock (_gate)
        {
            var subscription = new WatchSubscription(this, type, ns);
            if (fromResourceVersion is not { } from || from == 0)
            {
                foreach (var item in Objects(type).Values.Where(o => ns is null || o.Namespace == ns))
                {
                    subscription.Offer(new StoreEvent("ADDED", item));
                }
            }
            else
            {
                var window = Window(type);
                if (from < window.OldestWatchable)
                {
                    throw ApiStatus.Expired(string.Create(CultureInfo.InvariantCulture,
                        $"too old resource version: {from} ({window.OldestWatchable})")).AsException();
                }
                foreach (var change in window.Changes.Where(e => e.ResourceVersion > from && subscription.Covers(e.Stored)))
                {
                    subscription.Offer(change);
                }
            }
            _watches.Add(subscription);
            return subscription;
        }
    }

    internal void Unsubscribe(WatchSubscription subscription)
    {
        lock (_gate)
        {
            _watches.Remove(subscription);
        }
    }

    public T? Get<T>(string ns, string name)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var type = Registry.Get<T>();
        return Get(type, ns, name) is { } stored ? Typed<T>(stored) : null;
    }

    public IReadOnlyList<T> List<T>(string? ns)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        [.. List(Registry.Get<T>(), ns).Items.Select(Typed<T>)];

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static T Typed<T>(StoredObject stored) => KubernetesJson.Deserialize<T>(stored.Node);

    private StoredObject Commit(ResourceType type, string ns, string name, JsonObject obj, WatchEventType change)
    {
        var stored = new StoredObject(type, Stamp(obj.DeepClone().AsObject(), ++_resourceVersion), _resourceVersion);
        var previous = Objects(type).GetValueOrDefault(Key(ns, name));
        Objects(type)[Key(ns, name)] = stored;
        Publish(new StoreEvent(change == WatchEventType.Added ? "ADDED" : "MODIFIED", stored, previous));
        return stored;
    }

    private static JsonObject Stamp(JsonObject obj, long resourceVersion)
    {
        obj["metadata"]!["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture);
        return obj;
    }

    private void Publish(StoreEvent change)
    {
        var window = Window(change.Stored.Type);
        window.Changes.AddLast(change);
        while (window.Changes.Count > _windowSize)
        {
            window.OldestWatchable = window.Changes.First!.Value.ResourceVersion;
            window.Changes.RemoveFirst();
        }
        foreach (var watch in _watches)
        {
            if (watch.Covers(change.Stored))
            {
                watch.Offer(change);
            }
        }
    }

    /// <summary>The recent changes of one type, as the API server keeps a watch cache per resource.</summary>
    private WatchWindow Window(ResourceType type)
    {
        if (!_windows.TryGetValue(type, out var window))
        {
            window = new WatchWindow { OldestWatchable = _firstResourceVersion };
            _windows[type] = window;
        }
        return window;
    }

    private sealed class WatchWindow
    {
        public LinkedList<StoreEvent> Changes { get; } = new();

        public long OldestWatchable { get; set; }
    }

    private SortedDictionary<string, StoredObject> Objects(ResourceType type)
    {
        if (!_objects.TryGetValue(type, out var objects))
        {
            objects = new SortedDictionary<string, StoredObject>(StringComparer.Ordinal);
            _objects[type] = objects;
        }
        return objects;
    }

    private static string Key(string ns, string name) => $"{ns}/{name}";

    private static bool OwnedBy(JsonObject obj, string ownerUid) =>
        obj["metadata"]?["ownerReferences"] is JsonArray owners && owners.Any(o => o?["uid"]?.GetValue<string>() == ownerUid);

    private static bool BeyondMetadataAndStatusChanged(JsonObject before, JsonObject after)
    {
        static IEnumerable<KeyValuePair<string, JsonNode?>> Body(JsonObject o) =>
            o.Where(p => p.Key is not ("metadata" or "status" or "apiVersion" or "kind"));
        var a = Body(before).ToDictionary(p => p.Key, p => p.Value);
        var b = Body(after).ToDictionary(p => p.Key, p => p.Value);
        return a.Count != b.Count || a.Any(p => !b.TryGetValue(p.Key, out var v) || !JsonNode.DeepEquals(p.Value, v));
    }
}

/// <summary>An open watch: the changes it has not yet sent, in order. Dispose to close it.</summary>
public sealed class WatchSubscription : IDisposable
{
    private readonly ObjectStore _store;
    private readonly Channel<StoreEvent> _changes = Channel.CreateUnbounded<StoreEvent>(new UnboundedChannelOptions { SingleReader = true });

    internal WatchSubscription(ObjectStore store, ResourceType type, string? ns)
    {
        _store = store;
        Type = type;
        Namespace = ns;
    }

    public ResourceType Type { get; }

    public string? Namespace { get; }

    public ChannelReader<StoreEvent> Changes => _changes.Reader;

    /// <summary>Whether a change of this object belongs on this watch: its type, and its namespace unless the watch is cluster-wide.</summary>
    internal bool Covers(StoredObject stored) => stored.Type == Type && (Namespace is null || Namespace == stored.Namespace);

    internal void Offer(StoreEvent change) => _changes.Writer.TryWrite(change);

    public void Dispose()
    {
        _store.Unsubscribe(this);
        _changes.Writer.TryComplete();
    }
}
