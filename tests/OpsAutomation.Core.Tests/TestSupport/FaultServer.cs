using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace OpsAutomation.Core.Tests.TestSupport;

/// <summary>How the fault server treats each connection.</summary>
public enum Fault
{
    /// <summary>Answers with the configured status and body.</summary>
    None,

    /// <summary>Accepts and never answers.</summary>
    NeverAnswer,

    /// <summary>Sends headers promising a long body, part of it, then resets the connection.</summary>
    ResetMidBody,

    /// <summary>Answers with bytes that are not HTTP.</summary>
    Garbage,
}

/// <summary>
/// A raw TCP server on 127.0.0.1 that speaks just enough HTTP/1.1 to misbehave on purpose, with
/// optional TLS from a self-signed certificate. Counts the requests it saw.
/// </summary>
public sealed class FaultServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2? _certificate;
    private readonly Task _accepting;
    private int _requests;
    private int _inFlight;
    private int _maxInFlight;

    public FaultServer(Fault fault = Fault.None, int status = 200, string body = "ok", bool tls = false, TimeSpan? delay = null,
        Func<int, (int Status, string Body)>? respond = null, string contentType = "text/plain; charset=utf-8", IReadOnlyDictionary<string, string>? headers = null,
        TimeSpan? certificateLifetime = null)
    {
        ContentType = contentType;
        ExtraHeaders = headers ?? new Dictionary<string, string>();
        Fault = fault;
        Respond = respond ?? (_ => (status, body));
        Delay = delay ?? TimeSpan.Zero;
        if (tls) _certificate = CreateSelfSignedCertificate(certificateLifetime ?? TimeSpan.FromDays(30));
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Fault Fault { get; }

    public TimeSpan Delay { get; }

    public string ContentType { get; }

    public IReadOnlyDictionary<string, string> ExtraHeaders { get; }

    /// <summary>When the TLS certificate expires (TLS servers only).</summary>
    public DateTimeOffset? CertificateNotAfter => _certificate is null ? null : new DateTimeOffset(_certificate.NotAfter.ToUniversalTime());

    /// <summary>The answer to the Nth request (1-based).</summary>
    public Func<int, (int Status, string Body)> Respond { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"{(_certificate is null ? "http" : "https")}://127.0.0.1:{Port}/health";

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The most requests this server held at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _accepting; } catch (OperationCanceledException) { } catch (SocketException) { } catch (ObjectDisposedException) { }
        _certificate?.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                Stream stream = client.GetStream();
                if (_certificate is not null)
                {
                    var ssl = new SslStream(stream);
                    await ssl.AuthenticateAsServerAsync(_certificate);
                    stream = ssl;
                }
                await ReadRequestHeadAsync(stream);
                var number = Interlocked.Increment(ref _requests);
                var inFlight = Interlocked.Increment(ref _inFlight);
                for (var max = MaxInFlight; inFlight > max && Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) != max; max = MaxInFlight)
                {
                }
                try
                {
                    if (Delay > TimeSpan.Zero) await Task.Delay(Delay, _stop.Token);
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
                }
                switch (Fault)
                {
                    case Fault.NeverAnswer:
                        await Task.Delay(Timeout.Infinite, _stop.Token);
                        break;
                    case Fault.Garbage:
                        await stream.WriteAsync(Encoding.ASCII.GetBytes("\u0001\u0002GARBAGE NOT HTTP\r\n\r\n"));
                        break;
                    case Fault.ResetMidBody:
                        await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nContent-Type: text/plain\r\n\r\npartial body"));
                        await stream.FlushAsync();
                        client.Client.LingerState = new LingerOption(true, 0);
                        client.Client.Close();
                        return;
                    default:
                        var (status, body) = Respond(number);
                        var payload = Encoding.UTF8.GetBytes(body);
                        var extra = string.Concat(ExtraHeaders.Select(h => $"{h.Key}: {h.Value}\r\n"));
                        var head = $"HTTP/1.1 {status} {(status < 400 ? "OK" : "Error")}\r\nContent-Type: {ContentType}\r\n{extra}Content-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
                        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
                        await stream.WriteAsync(payload);
                        await stream.FlushAsync();
                        break;
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
            {
                // The client hung up or rejected our certificate: that is what some tests want.
            }
        }
    }

    private static async Task ReadRequestHeadAsync(Stream stream)
    {
        var buffer = new byte[1];
        var tail = 0u;
        while (await stream.ReadAsync(buffer) == 1)
        {
            tail = (tail << 8) | buffer[0];
            if (tail == 0x0D0A0D0A) return;
        }
    }

    private static X509Certificate2 CreateSelfSignedCertificate(TimeSpan lifetime)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow + lifetime);
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
