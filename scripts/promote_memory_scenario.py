import sys
mem_g=int(sys.argv[1]); promote=sys.argv[2]
G=1<<30; M=1<<20
L=[]
L.append(f"vm mem={mem_g}G vcpus=4 max_level=2M module=2.0 dpamt=on seed=5 promote={promote}")
L.append("add gpa=0x1000000 size=3M")
L.append("finalize")
L.append("accept_memory gpa=0 size=16M vcpu=0")
L.append("accept_memory gpa=0x1300000 size=1M vcpu=0")
L.append(f"accept_memory gpa=0x1400000 size={mem_g*1024-20}M parallel")
# swiotlb 64M aligned, shared for good
L.append("convert gpa=0x4000000 size=64M to=shared")
# 256 virtio/bounce pages shared and back (device churn), one per 2M region spread over memory
n2m=mem_g*512
for i in range(256):
    r=64+ i*(n2m-128)//256
    gpa=r*2*M + ((i*37)%512)*4096
    L.append(f"convert gpa={hex(gpa)} size=4K to=shared")
for i in range(256):
    if i%4==0: continue  # a quarter stays shared (live rings)
    r=64+ i*(n2m-128)//256
    gpa=r*2*M + ((i*37)%512)*4096
    L.append(f"convert gpa={hex(gpa)} size=4K to=private")
    L.append(f"accept gpa={hex(gpa)} level=4K vcpu={i%4}")
# unaligned swiotlb growth and shrink
L.append("convert gpa=0x8100000 size=3M to=shared")
L.append("convert gpa=0x8100000 size=3M to=private")
L.append("accept_memory gpa=0x8100000 size=3M vcpu=1")
# balloon 4K holes (folio split for good)
for i in range(16):
    L.append(f"punch gpa={hex(G+ i*2*M*97 + 4096*i)} size=4K")
L.append("check")
L.append("stats")
print("\n".join(L))
