namespace OpsAutomation.Core.Pipelines;

/// <summary>
/// Lets parallel workers take turns in batch order: the turn of batch n begins when batch n - 1's
/// ends. Sequences start at 0 and each is ended exactly once.
/// </summary>
internal sealed class BatchTurns
{
    private readonly object _gate = new();
    private readonly Dictionary<long, TaskCompletionSource> _waiting = [];
    private long _current;

    public Task WaitAsync(long sequence, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (sequence == _current) return Task.CompletedTask;
            var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting[sequence] = turn;
            return turn.Task.WaitAsync(cancellationToken);
        }
    }

    public void End(long sequence)
    {
        TaskCompletionSource? next;
        lock (_gate)
        {
            _current = sequence + 1;
            _waiting.Remove(_current, out next);
        }
        next?.TrySetResult();
    }
}
