using System.Collections.Concurrent;

namespace OpsAutomation.Sandbox.Api;

/// <summary>
/// The log lines of each pod's containers, the current run and the previous one (what
/// `kubectl logs --previous` reads). The kubelet writes them; /log reads them. Each run keeps its
/// last <see cref="MaxLinesPerRun"/> lines, as the kubelet rotates a container's log, so probes
/// logged by 1,000 pods for hours do not grow the sandbox without bound.
/// </summary>
public sealed class PodLogBook
{
    public const int MaxLinesPerRun = 10_000;

    private readonly ConcurrentDictionary<(string Namespace, string Pod, string Container), ContainerLogs> _logs = new();

    public void Append(string ns, string pod, string container, string line) =>
        _logs.GetOrAdd((ns, pod, container), _ => new ContainerLogs()).Append(line);

    /// <summary>A restart: the current lines become the previous run's.</summary>
    public void Restart(string ns, string pod, string container) =>
        _logs.GetOrAdd((ns, pod, container), _ => new ContainerLogs()).Restart();

    public void Forget(string ns, string pod)
    {
        foreach (var key in _logs.Keys.Where(k => k.Namespace == ns && k.Pod == pod))
        {
            _logs.TryRemove(key, out _);
        }
    }

    /// <summary>The lines of the current (or previous) run; null when there was no such run.</summary>
    public IReadOnlyList<string>? Read(string ns, string pod, string container, bool previous) =>
        _logs.TryGetValue((ns, pod, container), out var logs) ? logs.Read(previous) : previous ? null : [];

    private sealed class ContainerLogs
    {
        private readonly Lock _gate = new();
        private Queue<string> _current = new();
        private List<string>? _previous;

        public void Append(string line)
        {
            lock (_gate)
            {
                _current.Enqueue(line);
                if (_current.Count > MaxLinesPerRun)
                {
                    _current.Dequeue();
                }
            }
        }

        public void Restart()
        {
            lock (_gate)
            {
                _previous = [.. _current];
                _current = new();
            }
        }

        public List<string>? Read(bool previous)
        {
            lock (_gate)
            {
                return previous ? _previous?.ToList() : [.. _current];
            }
        }
    }
}
