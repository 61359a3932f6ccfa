using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace OpsAutomation.Core.Tests.TestSupport;

/// <summary>A request as the scripted server saw it: the request line's parts and the headers.</summary>
public sealed record ScriptedRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, X509Certificate2? ClientCertificate);

/// <summary>What the scripted server does with one request.</summary>
public abstract record ScriptedReply
{
    /// <summary>A complete answer.</summary>
    public static ScriptedReply Answer(int status, string body = "ok", params (string Name, string Value)[] headers) => new Complete(status, body, headers);

    /// <summary>Accepts the request and never answers.</summary>
    public static ScriptedReply Silence { get; } = new Silent();

    /// <summary>Sends headers promising a long body, then one byte every <paramref name="interval"/>, for ever.</summary>
    public static ScriptedReply Trickle(TimeSpan interval) => new Trickling(interval);

    /// <summary>A chunked body that never ends, sent as fast as the client reads it.</summary>
    public static ScriptedReply Endless { get; } = new EndlessBody();

    internal sealed record Complete(int Status, string Body, (string Name, string Value)[] Headers) : ScriptedReply;

    internal sealed record Silent : ScriptedReply;

    internal sealed record Trickling(TimeSpan Interval) : ScriptedReply;

    internal sealed record EndlessBody : ScriptedReply;
}

/// <summary>
/// An HTTP/1.1 server on 127.0.0.1 whose every answer a test scripts from the request (path,
/// headers, client certificate), with optional TLS from a given certificate and an optional
/// demand for a client certificate. Records every request.
/// </summary>
public sealed class ScriptedHttpServer : LoopbackServer
{
    private readonly Func<ScriptedRequest, ScriptedReply> _script;
    private readonly X509Certificate2? _certificate;
    private readonly X509Certificate2? _clientCa;
    private readonly bool _keepAlive;

    /// <param name="certificate">The server's certificate, with its key; null for plain HTTP.</param>
    /// <param name="clientCa">Demand a client certificate issued by this CA in the TLS handshake (mutual TLS); null for none.</param>
    /// <param name="keepAlive">Serve further requests on a connection, so clients reuse it; by default each answer closes it.</param>
    public ScriptedHttpServer(Func<ScriptedRequest, ScriptedReply> script, X509Certificate2? certificate = null, X509Certificate2? clientCa = null,
        bool keepAlive = false)
    {
        _keepAlive = keepAlive;
        _script = script;
        _certificate = certificate;
        _clientCa = clientCa;
        Start();
    }

    /// <summary>http(s)://127.0.0.1:port plus <paramref name="path"/>.</summary>
    public string Url(string path = "/") => $"{(_certificate is null ? "http" : "https")}://127.0.0.1:{Port}{path}";

    public ConcurrentQueue<ScriptedRequest> Requests { get; } = new();

    protected override async Task ServeAsync(TcpClient client)
    {
        try
        {
            Stream stream = client.GetStream();
            X509Certificate2? clientCertificate = null;
            if (_certificate is not null)
            {
                var ssl = new SslStream(stream, false);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _certificate,
                    ClientCertificateRequired = _clientCa is not null,
                    RemoteCertificateValidationCallback = _clientCa is null ? null : (_, presented, _, _) => IssuedByClientCa(presented),
                }, Stopping);
                clientCertificate = ssl.RemoteCertificate as X509Certificate2;
                stream = ssl;
            }
            ScriptedRequest? request;
            while ((request = await ReadRequestAsync(stream, clientCertificate, Stopping)) is not null)
            {
                Requests.Enqueue(request);
                var reply = _script(request);
                await ReplyAsync(stream, reply);
                if (!_keepAlive || reply is not ScriptedReply.Complete) return;
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException
            or ObjectDisposedException)
        {
            // The client hung up, timed out or refused the handshake: what these tests provoke.
        }
    }

    private bool IssuedByClientCa(X509Certificate? presented)
    {
        if (presented is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_clientCa!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(X509CertificateLoader.LoadCertificate(presented.GetRawCertData()));
    }

    private async Task ReplyAsync(Stream stream, ScriptedReply reply)
    {
        switch (reply)
        {
            case ScriptedReply.Silent:
                await Task.Delay(Timeout.Infinite, Stopping);
                break;
            case ScriptedReply.Trickling trickle:
                await WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: 100000000\r\n\r\n");
                while (true)
                {
                    await WriteAsync(stream, "#");
                    await Task.Delay(trickle.Interval, Stopping);
                }
            case ScriptedReply.EndlessBody:
                await WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nTransfer-Encoding: chunked\r\n\r\n");
                var line = "# " + new string('x', 8000) + "\n";
                var chunk = $"{Encoding.ASCII.GetByteCount(line):X}\r\n{line}\r\n";
                while (true) await WriteAsync(stream, chunk);
            case ScriptedReply.Complete answer:
                var payload = Encoding.UTF8.GetBytes(answer.Body);
                var head = new StringBuilder($"HTTP/1.1 {answer.Status} {(answer.Status < 400 ? "OK" : "Error")}\r\n");
                if (!answer.Headers.Any(h => h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)))
                    head.Append("Content-Type: text/plain; charset=utf-8\r\n");
                foreach (var (name, value) in answer.Headers) head.Append(name).Append(": ").Append(value).Append("\r\n");
                head.Append("Content-Length: ").Append(payload.Length).Append(_keepAlive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n");
                await WriteAsync(stream, head.ToString());
                await stream.WriteAsync(payload, Stopping);
                await stream.FlushAsync(Stopping);
                break;
        }
    }

    private async Task WriteAsync(Stream stream, string text)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text), Stopping);
        await stream.FlushAsync(Stopping);
    }

    /// <summary>The request line and headers; a body the headers announce is read and dropped.</summary>
    internal static async Task<ScriptedRequest?> ReadRequestAsync(Stream stream, X509Certificate2? clientCertificate, CancellationToken cancellationToken = default)
    {
        var head = await ReadHeadAsync(stream, cancellationToken);
        if (head is null) return null;
        var lines = head.Split("\r\n");
        var parts = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1).Where(l => l.Contains(':')))
            headers[line[..line.IndexOf(':')].Trim()] = line[(line.IndexOf(':') + 1)..].Trim();
        if (headers.TryGetValue("Content-Length", out var length) && int.TryParse(length, out var count) && count > 0)
        {
            var body = new byte[count];
            await stream.ReadExactlyAsync(body, cancellationToken);
        }
        return new ScriptedRequest(parts[0], parts.Length > 1 ? parts[1] : "", headers, clientCertificate);
    }

    /// <summary>Bytes up to the blank line that ends a request head, as text; null when the peer closed first.</summary>
    internal static async Task<string?> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (await stream.ReadAsync(one, cancellationToken) == 1)
        {
            bytes.Add(one[0]);
            if (bytes.Count >= 4 && bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n')
                return Encoding.ASCII.GetString(bytes.ToArray(), 0, bytes.Count - 4);
            if (bytes.Count > 64 * 1024) throw new IOException("request head too long");
        }
        return null;
    }
}
