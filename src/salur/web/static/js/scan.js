// scan.js: read a QR code with the device camera through the Barcode Detection API
// (BarcodeDetector: Chrome on Android, Edge, Samsung Internet). Where the API or a camera is
// missing, `canScan()` is false and the pages offer typing or pasting instead.

export function canScan() {
  return "BarcodeDetector" in window && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

/** Show the camera in `video`, resolve with the first QR code's text; `stop()` cancels. */
export function scanInto(video) {
  let stream = null;
  let stopped = false;
  const stop = () => {
    stopped = true;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
    video.style.display = "none";
  };
  const found = (async () => {
    const detector = new BarcodeDetector({ formats: ["qr_code"] });
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream;
    video.style.display = "block";
    await video.play();
    while (!stopped) {
      const codes = await detector.detect(video).catch(() => []);
      if (codes.length) {
        const text = codes[0].rawValue;
        stop();
        return text;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return null;
  })();
  return { found, stop };
}
