// Two modes for the blackbox benchmark:
//   serve <port> <delayMs>                       answers GET /t/{n} with 200 "ok" after delayMs
//   probe <exporterUrl> <urlFile> <concurrency> <rounds>
//                                                asks blackbox_exporter to probe every URL, rounds times
using System.Globalization;

return args switch
{
    ["serve", var port, var delayMs] => await TargetServer.RunAsync(int.Parse(port, CultureInfo.InvariantCulture), int.Parse(delayMs, CultureInfo.InvariantCulture)),
    ["probe", var exporter, var urlFile, var concurrency, var rounds] =>
        await BlackboxDriver.RunAsync(new Uri(exporter), File.ReadAllLines(urlFile), int.Parse(concurrency, CultureInfo.InvariantCulture), int.Parse(rounds, CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: TargetServer serve <port> <delayMs> | probe <exporterUrl> <urlFile> <concurrency> <rounds>");
    return 2;
}
