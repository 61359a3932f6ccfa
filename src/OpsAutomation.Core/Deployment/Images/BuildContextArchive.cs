using System.Formats.Tar;
using System.IO.Pipelines;

namespace OpsAutomation.Core.Deployment.Images;

/// <summary>
/// The build context as the engine takes it: a tar stream of the context folder without what
/// .dockerignore excludes, the Dockerfile and .dockerignore always included. It is written while
/// the engine reads it, through a pipe that holds at most <see cref="BufferBytes"/>, so a large
/// context is never held in memory.
/// </summary>
public sealed class BuildContextArchive
{
    /// <summary>Bytes written ahead of the engine's reads at most before the writer waits.</summary>
    public const int BufferBytes = 1024 * 1024;

    private readonly string _contextPath;
    private readonly DockerIgnore _ignore;
    private readonly HashSet<string> _alwaysSent;
    private readonly string? _outsideDockerfile;
    private readonly string? _outsideDockerfileEntry;
    private long _bytes;

    /// <param name="contextPath">The context folder, absolute.</param>
    /// <param name="dockerfileEntry">The Dockerfile's path inside the context ('/'-separated), sent even when .dockerignore excludes it.</param>
    /// <param name="outsideDockerfile">A Dockerfile outside the context, added at the root as <paramref name="dockerfileEntry"/>.</param>
    public BuildContextArchive(string contextPath, DockerIgnore ignore, string dockerfileEntry, string? outsideDockerfile = null)
    {
        _contextPath = contextPath;
        _ignore = ignore;
        _outsideDockerfile = outsideDockerfile;
        _outsideDockerfileEntry = outsideDockerfile is null ? null : dockerfileEntry;
        _alwaysSent = new HashSet<string>(StringComparer.Ordinal) { dockerfileEntry, ".dockerignore" };
    }

    /// <summary>Bytes of tar written into <see cref="Open"/>'s stream so far; the context's size once its writer has finished.</summary>
    public long BytesWritten => Interlocked.Read(ref _bytes);

    /// <summary>
    /// The readable end of the tar stream and the task writing it. Cancel <paramref name="cancellationToken"/>
    /// when the reader stops early; the writer's failure (an unreadable file) ends the stream with that error.
    /// </summary>
    public (Stream Reader, Task Writer) Open(CancellationToken cancellationToken)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: BufferBytes, resumeWriterThreshold: BufferBytes / 2, useSynchronizationContext: false));
        var writer = Task.Run(() => WriteAsync(pipe.Writer, cancellationToken), cancellationToken);
        return (pipe.Reader.AsStream(), writer);
    }

    /// <summary>The entries the archive holds, in order, '/'-separated relative paths (folders without a trailing '/').</summary>
    public IEnumerable<string> Entries() => Walk().Select(e => e.Entry);

    /// <summary>Writes the whole archive to <paramref name="destination"/>, such as a file to inspect or send elsewhere.</summary>
    public async Task WriteToAsync(Stream destination, CancellationToken cancellationToken)
    {
        var tar = new TarWriter(destination, TarEntryFormat.Pax, leaveOpen: true);
        await using (tar.ConfigureAwait(false))
        {
            foreach (var (path, entry) in Walk())
            {
                cancellationToken.ThrowIfCancellationRequested();
                await tar.WriteEntryAsync(path, entry, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task WriteAsync(PipeWriter writer, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        try
        {
            var counted = new CountingStream(writer.AsStream(leaveOpen: true), this);
            await WriteToAsync(counted, cancellationToken).ConfigureAwait(false);
            await counted.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
            throw;
        }
        finally
        {
            await writer.CompleteAsync(failure).ConfigureAwait(false);
        }
    }

    private IEnumerable<(string Path, string Entry)> Walk()
    {
        if (_outsideDockerfile is not null) yield return (_outsideDockerfile, _outsideDockerfileEntry!);
        var pending = new Stack<(string Path, string Entry)>();
        pending.Push((_contextPath, ""));
        while (pending.Count > 0)
        {
            var (folder, prefix) = pending.Pop();
            // Ordinal order: the same context gives the same archive, and the engine's cache its hits.
            var children = new DirectoryInfo(folder).EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
            var subfolders = new List<(string, string)>();
            foreach (var child in children)
            {
                var entry = prefix.Length == 0 ? child.Name : prefix + "/" + child.Name;
                var excluded = _ignore.IsExcluded(entry) && !_alwaysSent.Contains(entry);
                var isFolder = child is DirectoryInfo && child.LinkTarget is null;
                if (isFolder)
                {
                    if (!excluded) yield return (child.FullName, entry);
                    // An excluded folder is skipped unless an exception may bring back a file inside it.
                    if (!excluded || _ignore.HasExceptions || _alwaysSent.Any(a => a.StartsWith(entry + "/", StringComparison.Ordinal)))
                        subfolders.Add((child.FullName, entry));
                }
                else if (!excluded)
                {
                    yield return (child.FullName, entry);
                }
            }
            for (var i = subfolders.Count - 1; i >= 0; i--) pending.Push(subfolders[i]);
        }
    }

    /// <summary>Counts the tar bytes on their way into the pipe.</summary>
    private sealed class CountingStream(Stream inner, BuildContextArchive owner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => owner.BytesWritten; set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Interlocked.Add(ref owner._bytes, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref owner._bytes, buffer.Length);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
