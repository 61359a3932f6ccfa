namespace OpsAutomation.Sandbox.Pods;

/// <summary>
/// One pod's pull of its image from the local registry: the lookup under way, its result, and the
/// kubelet's image back-off (10 s doubling to 5 min between failed pulls, as the kubelet's imageBackOff).
/// </summary>
public sealed class ImagePull(string uid, string image)
{
    private volatile PullResult? _result;

    public string Uid => uid;

    public string Image => image;

    /// <summary>Whether a lookup is under way.</summary>
    public bool Pulling { get; private set; }

    /// <summary>When the lookup under way started.</summary>
    public long StartedAt { get; private set; }

    /// <summary>The image's digest once pulled.</summary>
    public string? Digest { get; private set; }

    /// <summary>The failed pulls in a row so far.</summary>
    public int Failures { get; private set; }

    /// <summary>When the last pull failed.</summary>
    public DateTimeOffset FailedAt { get; private set; }

    /// <summary>When the next pull may start after a failure.</summary>
    public DateTimeOffset RetryAt => FailedAt + Window(Failures);

    /// <summary>The last failure's message (the ErrImagePull waiting message).</summary>
    public string? Error { get; private set; }

    /// <summary>Whether the BackOff event of the current window was recorded.</summary>
    public bool BackOffRecorded { get; set; }

    /// <summary>The wait after failure number <paramref name="failures"/> (1 the first): 10 s doubling to 5 min.</summary>
    public static TimeSpan Window(int failures) =>
        TimeSpan.FromTicks(Math.Min(CrashBackOff.Max.Ticks, CrashBackOff.Initial.Ticks << Math.Min(Math.Max(failures - 1, 0), 10)));

    /// <summary>Starts a lookup; <paramref name="done"/> is called when it ends.</summary>
    public void Start(Func<Task<PullResult>> lookup, long timestamp, Action done)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        ArgumentNullException.ThrowIfNull(done);
        (Pulling, StartedAt, _result) = (true, timestamp, null);
        _ = Task.Run(async () =>
        {
            try
            {
                _result = await lookup().ConfigureAwait(false);
            }
            catch (Exception e) when (e is ArgumentException or UriFormatException or InvalidOperationException)
            {
                // A reference the registry URL cannot hold: a failed pull, as the runtime reports one.
                _result = new PullResult(null, e.Message);
            }
            done();
        });
    }

    /// <summary>Takes the ended lookup's result, if any: true when one was taken (<see cref="Digest"/> or <see cref="Error"/> then tell which).</summary>
    public bool TakeResult(DateTimeOffset now)
    {
        if (!Pulling || _result is not { } result)
        {
            return false;
        }
        Pulling = false;
        if (result.Digest is not null)
        {
            (Digest, Error, Failures) = (result.Digest, null, 0);
        }
        else
        {
            Failures++;
            (Error, FailedAt, BackOffRecorded) = (result.Error, now, false);
        }
        return true;
    }
}
