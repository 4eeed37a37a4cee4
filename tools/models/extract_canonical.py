"""Extract MediaPipe's canonical 3-D face (468 vertices) and its Procrustes landmark weights from
face_geometry's geometry_pipeline_metadata_landmarks.binarypb, packed in @mediapipe/face_mesh's
face_mesh_solution_packed_assets.data (Apache-2.0). Writes assets/models/canonical_face.txt:
  line "weights": 'id weight' pairs; then 468 lines 'x y z' (centimetres, y up, z towards the viewer).
Usage: python3 extract_canonical.py PATH/TO/face_mesh_solution_packed_assets.data OUT.txt
"""
import struct, sys

START, END = 3737848, 3757224  # offsets from face_mesh_solution_packed_assets_loader.js

def varint(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1; r |= (x & 0x7F) << s; s += 7
        if x < 0x80:
            return r, i

def fields(b):
    i, out = 0, []
    while i < len(b):
        k, i = varint(b, i)
        f, w = k >> 3, k & 7
        if w == 0:
            v, i = varint(b, i)
        elif w == 2:
            n, i = varint(b, i); v = b[i:i + n]; i += n
        elif w == 5:
            v = b[i:i + 4]; i += 4
        elif w == 1:
            v = b[i:i + 8]; i += 8
        else:
            raise ValueError(f"wire type {w}")
        out.append((f, v))
    return out

data = open(sys.argv[1], 'rb').read()[START:END]
top = fields(data)
mesh = fields([v for f, v in top if f == 1][0])          # GeometryPipelineMetadata.canonical_mesh
verts = [struct.unpack('<f', v)[0] for f, v in mesh if f == 3]  # Mesh3d.vertex_buffer (x y z u v)
assert len(verts) == 468 * 5, len(verts)
basis = []
for f, v in top:                                         # procrustes_landmark_basis
    if f == 2:
        d = dict(fields(v))
        basis.append((d[1], struct.unpack('<f', d[2])[0]))
with open(sys.argv[2], 'w') as o:
    o.write("# MediaPipe canonical face model (Apache-2.0, Google LLC), from @mediapipe/face_mesh 0.4.1657299874\n")
    o.write("weights " + " ".join(f"{i}:{w:.6f}" for i, w in basis) + "\n")
    for k in range(468):
        x, y, z = verts[5 * k:5 * k + 3]
        o.write(f"{x:.6f} {y:.6f} {z:.6f}\n")
print(len(basis), "weights; 468 vertices")
